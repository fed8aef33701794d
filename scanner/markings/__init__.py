"""Find state-secret and internal markings, and tell a real mark from a mention.

The grammar is data: the vocabulary of a mark (levels, stars, periods,
copy numbers, urgency, example cues...) lives in the ``params`` of the
marking rules in ``lexicons/markings.yaml``; this module compiles it into a
few small patterns and a parser that reads one candidate at a time.

A candidate is then placed: the same string ``秘密★1年`` is a mark when it
stands alone on its line in a mark position (head block of page one,
header, footer, text box, document properties, first table cell, top of a
page) and a mention when it sits in a sentence, in quotation marks, after
an example cue (如, 应标注为), in a list of levels or in a question.  Every
finding's ``evidence`` says which of these decided its severity.

The outcomes, by role (``scanner.roles.Role``; each rule in the YAML names
its role in ``params.role``, with the rule id reports show in brackets):

* ``mark`` (CM001): level★period in mark position                 block
* ``marking-note`` (CM002): 注：本页…属于…级国家秘密                     block
* ``prefix-mark`` (CM003): paragraph prefix （秘密）…               block
* ``mark-mention`` (CM004): a level or mark mentioned               info
* ``declassified-mark`` (CM005): mark next to 解密                  review
* ``bare-level`` (CM006): a bare level alone in mark position       block
* ``mark-in-text`` (CM007): full mark form inside running text      review
* ``internal-mark`` (IM001): internal / work-secret warning         block
* ``internal-mention`` (IM002): internal warning in running text    info
* ``withheld-note`` (IM003): 公开属性 不予公开                         block (依申请公开: review)
* ``public-note`` (IM004): 公开属性 主动公开                           info (positive evidence)

Offsets: the parser works on ``view.norm.text``;
:func:`~scanner.findings.finding_at` maps spans back to the original
characters.  Whether a mark "stands alone" is
decided on the *original* line that holds the span, because normalisation
deletes line breaks between Chinese characters.

The package, in the order the work is done:

* ``grammar``  -- compiling the data (the grammar rules' params, patterns, the Grammar)
* ``parse``    -- one candidate ``level [star] [period]`` at a time
* ``position`` -- page one's head block, page edges, mark parts
* ``evidence`` -- mention evidence (quotes, cues, lists, questions)
* ``judge``    -- the per-document judgement and :func:`detect_markings`
"""

from scanner.markings.grammar import Grammar, GrammarError, grammar_of
from scanner.markings.judge import _DocumentScan, detect_markings
from scanner.markings.parse import Candidate, parse_mark

__all__ = [
    "Candidate",
    "Grammar",
    "GrammarError",
    "_DocumentScan",
    "detect_markings",
    "grammar_of",
    "parse_mark",
]
