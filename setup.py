"""The C part of the build; everything else about the package is in pyproject.toml.

scanner/_ngram.c counts the model's n-grams and weighs them, summing exactly
(see scanner/risk/features.py), folds text for the normaliser (see
scanner/normalize.py) and cuts words with jieba's dictionary (see
scanner/segment.py).  It is optional: where no C compiler is present the
install still succeeds and the scanner computes the same results with
numpy and Python (and rjieba or jieba), about half as fast end to end.
"""

import sys

from setuptools import Extension, setup

# No fused multiply-add: every product and quotient of the model's weighing
# must be the one IEEE operation numpy does, or the scores would differ from
# the numpy path in the last bit (GCC fuses by default where the processor
# has FMA, as on ARM).
FLAGS = [] if sys.platform == "win32" else ["-ffp-contract=off"]
# log(), for the word segmenter's route: the C library's, which math.log calls too.
LIBRARIES = [] if sys.platform == "win32" else ["m"]

setup(
    ext_modules=[
        Extension(
            "scanner._ngram",
            sources=["scanner/_ngram.c"],
            extra_compile_args=FLAGS,
            libraries=LIBRARIES,
            optional=True,
        )
    ]
)
