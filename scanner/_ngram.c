/*
 * Counting of vocabulary n-grams for the residual-risk model, in C.
 *
 * The same counts as scanner.features._HashTables.numpy_counts gives, found
 * another way: the vocabulary is a trie stored as a double array (the edge
 * of rank r of the node numbered n is the uint64 cell n + r, which also
 * holds n as a check, the term the edge ends and the number of the node it
 * leads to), so each step of the walk is one read of a ~0.6 MB array that
 * stays in L2, with no probing and no branch.  The trie is walked one level
 * at a time over all positions still inside some term, so the reads of a
 * level are independent and prefetched, and a position leaves the walk as
 * soon as no term continues it: 1.9 reads per position on the laws corpus.
 * The entries found are tallied in a separate pass.  138 -> 76 µs per laws
 * document (a 4 MB hash table of trie edges, probed, before; 175 with the
 * 64-bit n-gram table probed per position and length before that).
 *
 * The tables are built in Python (scanner/features.py); this file trusts
 * nothing it is given: every buffer length is checked before use, every
 * cell index derived from the text or a table is clamped to the array, and
 * every entry is checked against the tally's length, so a wrong table gives
 * wrong counts or an exception, never a read or write outside a buffer.
 *
 * exact_parts() sums doubles exactly, as an integer, for
 * scanner.model.exact_sum; fold() is scanner.normalize.fold (str.translate
 * with a one-to-one table, in one pass); ascii_skeleton() lets the matcher
 * try its ASCII gates on a document's few ASCII characters.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h> /* isfinite */

#define GOLDEN 0x9E3779B97F4A7C15ULL
#define CODE_POINTS 0x110000

static int
check_size(const Py_buffer *buffer, Py_ssize_t items, Py_ssize_t item_size, const char *name, int at_least)
{
    Py_ssize_t expected = items * item_size;
    if (at_least ? buffer->len < expected : buffer->len != expected) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, expected %s%zd", name, buffer->len,
                     at_least ? "at least " : "", expected);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(count_doc,
"count(text, rank, roots, cells, tally, out_index, out_count, base, longest) -> int\n"
"\n"
"Count the vocabulary n-grams of text by walking a trie of the vocabulary\n"
"stored as a double array.  rank: uint16 per code point (0x110000), 0 for a\n"
"character no term holds; cells: uint64, each `check | entry << 24 | child <<\n"
"40`: every node that longer terms continue has a number `child` (1 to\n"
"2**24 - 1; 0 for none) and its edge of rank r is cells[child + r], whose\n"
"check is child (a cell that is no edge of that node has another check);\n"
"entry is the vocabulary index + 1 of the n-gram the edge ends (0 for none).\n"
"A cell past the end is read as cell 0, which must be no edge (check 0).\n"
"roots: uint64 per rank (base of them), the edges of the one-character\n"
"n-grams in the same form (check unused).  tally: uint32 scratch of\n"
"vocabulary size + 1 zeros, left zero; out_index, out_count: int64, at least\n"
"the vocabulary size; longest: the longest term.  Writes the distinct\n"
"vocabulary indexes found (ascending) and their counts; returns how many.");

#define AHEAD 16  /* lookups a cell is prefetched ahead of its own */
#define CHECK_BITS 24  /* a cell: check (24 bits) | entry (16 bits) << 24 | child (24 bits) << 40 */
#define CHECK_MASK ((1U << CHECK_BITS) - 1)
#define CHILD_SHIFT 40

static PyObject *
count(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_buffer rank = {0}, roots = {0}, cells = {0}, tally = {0}, out_index = {0}, out_count = {0};
    unsigned long base;
    int longest;
    PyObject *result = NULL;
    uint16_t *ranks = NULL;
    uint64_t *seen = NULL;
    uint32_t *hits = NULL, *where = NULL, *nodes = NULL;
    (void)self;

    if (!PyArg_ParseTuple(args, "Uy*y*y*w*w*w*ki:count", &text, &rank, &roots, &cells, &tally, &out_index,
                          &out_count, &base, &longest))
        return NULL;

    Py_ssize_t key_count = tally.len / (Py_ssize_t)sizeof(uint32_t);  /* vocabulary size + 1 */
    Py_ssize_t cell_count = cells.len / (Py_ssize_t)sizeof(uint64_t);
    if (longest < 1 || longest > 16 || base < 2 || base > 0x10000 || key_count < 1 || key_count > 0x10000) {
        PyErr_SetString(PyExc_ValueError, "count: implausible table parameters");
        goto done;
    }
    if (check_size(&rank, CODE_POINTS, sizeof(uint16_t), "rank", 0) < 0
        || check_size(&roots, (Py_ssize_t)base, sizeof(uint64_t), "roots", 0) < 0
        || check_size(&cells, cell_count > 0 ? cell_count : 1, sizeof(uint64_t), "cells", 0) < 0
        || check_size(&tally, key_count, sizeof(uint32_t), "tally", 0) < 0
        || check_size(&out_index, key_count - 1, sizeof(int64_t), "out_index", 1) < 0
        || check_size(&out_count, key_count - 1, sizeof(int64_t), "out_count", 1) < 0)
        goto done;

    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    if (size >= (Py_ssize_t)UINT32_MAX / 16) {  /* positions and counts must fit in uint32 */
        PyErr_SetString(PyExc_ValueError, "count: text too long");
        goto done;
    }
    const uint16_t *rank_of = (const uint16_t *)rank.buf;
    const uint64_t *root_of = (const uint64_t *)roots.buf;
    const uint64_t *cell_of = (const uint64_t *)cells.buf;
    uint32_t *tally_of = (uint32_t *)tally.buf;
    int64_t *found = (int64_t *)out_index.buf;
    int64_t *counts = (int64_t *)out_count.buf;
    uint32_t radix = (uint32_t)base;
    uint32_t limit = (uint32_t)key_count;
    /* a cell index past the array (child + rank < 2**24 + 2**16, no overflow) reads cell 0 instead */
    uint32_t last_cell = cell_count - 1 < (Py_ssize_t)UINT32_MAX ? (uint32_t)(cell_count - 1) : UINT32_MAX;

    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    /* zeros past the end: an n-gram running off the text meets rank 0, which no edge has */
    ranks = (uint16_t *)PyMem_Calloc((size_t)size + (size_t)longest + 1, sizeof(uint16_t));
    Py_ssize_t words = key_count / 64 + 1;
    seen = (uint64_t *)PyMem_Calloc((size_t)words, sizeof(uint64_t));
    hits = (uint32_t *)PyMem_Malloc(((size_t)size * (size_t)longest + 1) * sizeof(uint32_t));
    where = (uint32_t *)PyMem_Malloc(((size_t)size + 1) * sizeof(uint32_t));
    nodes = (uint32_t *)PyMem_Malloc(((size_t)size + 1) * sizeof(uint32_t));
    if (ranks == NULL || seen == NULL || hits == NULL || where == NULL || nodes == NULL) {
        PyErr_NoMemory();
        goto done;
    }

    /* The trie is walked one level at a time.  Each level is a list of
       the positions whose prefix so far is a node with terms below it
       (`where`, `nodes`); their reads are independent of each other and
       prefetched AHEAD reads early, so many are in flight at once, and a
       position drops out as soon as no term continues its prefix.  The
       entries found go to `hits` (a miss, entry 0, is not kept) and are
       tallied afterwards: incrementing the tally among the lookups made
       each increment wait on the one before (entry 0, the misses, was
       most of them). */
    size_t kept = 0, live = 0;
    for (Py_ssize_t start = 0; start < size; start++) {
        Py_UCS4 code = PyUnicode_READ(kind, data, start);
        uint32_t digit = code < CODE_POINTS ? rank_of[code] : 0;
        digit = digit < radix ? digit : 0;  /* root_of has radix entries */
        ranks[start] = (uint16_t)digit;
        uint64_t edge = root_of[digit];
        hits[kept] = (uint32_t)(edge >> CHECK_BITS) & 0xFFFF;
        kept += hits[kept] != 0;
        where[live] = (uint32_t)start;
        nodes[live] = (uint32_t)(edge >> CHILD_SHIFT);
        live += (digit != 0) & (nodes[live] != 0);
    }
    for (int length = 2; length <= longest && live; length++) {
        size_t next = 0;
        for (size_t item = 0; item < live; item++) {
            if (item + AHEAD < live) {
                uint32_t ahead = nodes[item + AHEAD] + ranks[where[item + AHEAD] + length - 1];
                __builtin_prefetch(cell_of + (ahead <= last_cell ? ahead : 0));
            }
            uint32_t start = where[item];
            uint32_t node = nodes[item];
            uint32_t at = node + ranks[start + length - 1];
            uint64_t edge = cell_of[at <= last_cell ? at : 0];
            edge &= 0 - (uint64_t)(((uint32_t)edge & CHECK_MASK) == node);  /* no branch: hits and misses mix */
            hits[kept] = (uint32_t)(edge >> CHECK_BITS) & 0xFFFF;
            kept += hits[kept] != 0;
            where[next] = start;
            nodes[next] = (uint32_t)(edge >> CHILD_SHIFT);
            next += nodes[next] != 0;
        }
        live = next;
    }
    for (size_t item = 0; item < kept; item++) {
        uint32_t entry = hits[item];
        if (entry >= limit) {
            PyErr_SetString(PyExc_ValueError, "count: a table names a key that does not exist");
            goto reset;
        }
        tally_of[entry]++;
        seen[entry >> 6] |= 1ULL << (entry & 63);
    }
    /* Ascending order from the bitmap of the entries seen: a pass over
       len(keys) / 64 words, no sort. */
    Py_ssize_t distinct = 0;
    for (Py_ssize_t word = 0; word < words; word++) {
        uint64_t bits = seen[word];
        while (bits) {
            int64_t entry = (int64_t)word * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
            found[distinct] = entry - 1;  /* vocabulary index */
            counts[distinct++] = tally_of[entry];
            tally_of[entry] = 0;
        }
    }
    result = PyLong_FromSsize_t(distinct);
    goto done;

reset:  /* leave the scratch tally zero for the next call */
    for (Py_ssize_t word = 0; word < words; word++)
        for (uint64_t bits = seen[word]; bits; bits &= bits - 1)
            tally_of[word * 64 + __builtin_ctzll(bits)] = 0;

done:
    PyMem_Free(ranks);
    PyMem_Free(seen);
    PyMem_Free(hits);
    PyMem_Free(where);
    PyMem_Free(nodes);
    PyBuffer_Release(&rank);
    PyBuffer_Release(&roots);
    PyBuffer_Release(&cells);
    PyBuffer_Release(&tally);
    PyBuffer_Release(&out_index);
    PyBuffer_Release(&out_count);
    return result;
}

#define LIMB_BITS 32
#define LIMBS 80 /* 2,560 bits: the span of double exponents (2,098) plus digits and carries */

PyDoc_STRVAR(exact_parts_doc,
"exact_parts(values) -> (bytes, lowest) or None\n"
"\n"
"The exact sum of float64 values as an integer and a scale: the sum is\n"
"int.from_bytes(bytes, 'little', signed=True) * 2**(lowest - 53).  None when a\n"
"value is not finite or there are 2**26 or more values.");

/* A finite double as digits * 2**exponent with |digits| < 2**53, read from its bits. */
static inline void
split_double(double value, int64_t *digits, int *exponent)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    int field = (int)((bits >> 52) & 0x7FF);
    uint64_t fraction = bits & ((1ULL << 52) - 1);
    uint64_t magnitude = field ? fraction | (1ULL << 52) : fraction; /* subnormal: no hidden bit */
    *exponent = (field ? field : 1) - 1075;
    *digits = (bits >> 63) ? -(int64_t)magnitude : (int64_t)magnitude;
}

/* The smallest and largest exponent of finite doubles (-1 when one is not finite). */
static int
exponent_range(const double *value, Py_ssize_t size, int *lowest, int *highest)
{
    *lowest = *highest = 0;
    for (Py_ssize_t item = 0; item < size; item++) {
        if (!isfinite(value[item]))
            return -1;
        int64_t digits;
        int exponent;
        split_double(value[item], &digits, &exponent);
        if (item == 0 || exponent < *lowest)
            *lowest = exponent;
        if (item == 0 || exponent > *highest)
            *highest = exponent;
    }
    return 0;
}

/* Add magnitude * sign * 2**shift to an integer in 32-bit limbs (magnitude < 2**63). */
static inline void
add_shifted(int64_t *limb, uint64_t magnitude, int64_t sign, int shift)
{
    int at = shift / LIMB_BITS;
    int offset = shift % LIMB_BITS;
    uint64_t low = (magnitude << offset) & 0xFFFFFFFFULL; /* bits past 64 are not needed here */
    uint64_t middle = (offset ? magnitude >> (LIMB_BITS - offset) : magnitude >> LIMB_BITS) & 0xFFFFFFFFULL;
    uint64_t high = offset ? magnitude >> (2 * LIMB_BITS - offset) : 0;
    limb[at] += sign * (int64_t)low;
    limb[at + 1] += sign * (int64_t)middle;
    limb[at + 2] += sign * (int64_t)high;
}

#define EXPONENTS 2098 /* -1074 .. 1023: every exponent split_double gives */
#define DIGIT_SPLIT 26

/* (bytes, lowest + 53) of the exact sum of value[0..size), finite doubles
   whose exponents lie in lowest..highest.

   Each value's digits are added to the bin of its exponent, split at 2**26
   into two int64 sums (fewer than 2**26 values of less than 2**27 each cannot
   overflow), so a value costs two additions in registers-hot bins; the bins
   then go into the limbs once each.  A document's weights span a few dozen
   exponents, so that is a few dozen limb additions instead of three per value
   (17 -> 5 µs for 2,000 values). */
static PyObject *
exact_total(const double *value, Py_ssize_t size, int lowest, int highest)
{
    int64_t high_sum[EXPONENTS], low_sum[EXPONENTS];
    int bins = highest - lowest + 1; /* 1 .. EXPONENTS */
    memset(high_sum, 0, (size_t)bins * sizeof(int64_t));
    memset(low_sum, 0, (size_t)bins * sizeof(int64_t));
    for (Py_ssize_t item = 0; item < size; item++) {
        int64_t digits;
        int exponent;
        split_double(value[item], &digits, &exponent);
        int bin = exponent - lowest;
        uint64_t magnitude = (uint64_t)(digits < 0 ? -digits : digits);
        int64_t negative = -(int64_t)(digits < 0); /* 0 or -1: x ^ negative - negative is x or -x */
        high_sum[bin] += ((int64_t)(magnitude >> DIGIT_SPLIT) ^ negative) - negative;
        low_sum[bin] += ((int64_t)(magnitude & ((1ULL << DIGIT_SPLIT) - 1)) ^ negative) - negative;
    }
    int64_t limb[LIMBS] = {0};
    for (int bin = 0; bin < bins; bin++) {
        int64_t sums[2] = {high_sum[bin], low_sum[bin]};
        int shifts[2] = {bin + DIGIT_SPLIT, bin};
        for (int part = 0; part < 2; part++) {
            if (sums[part] == 0)
                continue;
            uint64_t magnitude = sums[part] < 0 ? (uint64_t)0 - (uint64_t)sums[part] : (uint64_t)sums[part];
            add_shifted(limb, magnitude, sums[part] < 0 ? -1 : 1, shifts[part]);
        }
    }
    unsigned char bytes[(LIMBS + 1) * 4];
    int64_t carry = 0;
    for (int index = 0; index < LIMBS; index++) {
        int64_t total = limb[index] + carry;
        int64_t part = total & 0xFFFFFFFFLL;
        carry = (total - part) / ((int64_t)1 << LIMB_BITS); /* exact: floor division */
        for (int byte = 0; byte < 4; byte++)
            bytes[4 * index + byte] = (unsigned char)(part >> (8 * byte));
    }
    /* what is left is the sign: 0 or -1 */
    for (int byte = 0; byte < 4; byte++)
        bytes[4 * LIMBS + byte] = carry < 0 ? 0xFF : 0x00;
    return Py_BuildValue("(y#i)", (const char *)bytes, (Py_ssize_t)sizeof(bytes), lowest + 53);
}

/* (bytes, lowest) of the exact sum, or None when a value is not finite or there are too many. */
static PyObject *
exact_or_none(const double *value, Py_ssize_t size)
{
    int lowest, highest;
    if (size >= ((Py_ssize_t)1 << 26) || exponent_range(value, size, &lowest, &highest) < 0)
        return Py_NewRef(Py_None);
    return exact_total(value, size, lowest, highest);
}

static PyObject *
exact_parts(PyObject *self, PyObject *args)
{
    Py_buffer values = {0};
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*:exact_parts", &values))
        return NULL;
    if (values.len % (Py_ssize_t)sizeof(double) != 0)
        result = Py_NewRef(Py_None);
    else
        result = exact_or_none((const double *)values.buf, values.len / (Py_ssize_t)sizeof(double));
    PyBuffer_Release(&values);
    return result;
}

PyDoc_STRVAR(tf_idf_doc,
"tf_idf(found, counts, tf, idf, raw) -> (bytes, lowest) or None\n"
"\n"
"raw[i] = tf[counts[i]] * idf[found[i]] (found, counts: int64; tf, idf, raw:\n"
"float64), and the exact parts (see exact_parts) of sum(raw * raw).  None when\n"
"a count is past the tf table or a value is not finite: weigh with numpy.");

static PyObject *
tf_idf(PyObject *self, PyObject *args)
{
    Py_buffer found = {0}, counts = {0}, tf = {0}, idf = {0}, raw = {0};
    PyObject *result = NULL;
    double *squares = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*:tf_idf", &found, &counts, &tf, &idf, &raw))
        return NULL;
    Py_ssize_t size = found.len / (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t tf_size = tf.len / (Py_ssize_t)sizeof(double), vocabulary = idf.len / (Py_ssize_t)sizeof(double);
    if (check_size(&found, size, sizeof(int64_t), "found", 0) < 0
        || check_size(&counts, size, sizeof(int64_t), "counts", 0) < 0
        || check_size(&raw, size, sizeof(double), "raw", 1) < 0)
        goto done;
    const int64_t *index = (const int64_t *)found.buf, *count = (const int64_t *)counts.buf;
    const double *tf_of = (const double *)tf.buf, *idf_of = (const double *)idf.buf;
    double *out = (double *)raw.buf;
    squares = (double *)PyMem_Malloc((size_t)(size > 0 ? size : 1) * sizeof(double));
    if (squares == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t item = 0; item < size; item++) {
        if (index[item] < 0 || index[item] >= vocabulary) {
            PyErr_SetString(PyExc_ValueError, "tf_idf: a vocabulary index out of range");
            goto done;
        }
        if (count[item] < 0 || count[item] >= tf_size) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        out[item] = tf_of[count[item]] * idf_of[index[item]];
        squares[item] = out[item] * out[item]; /* one rounding each, as numpy's raw * raw */
    }
    result = exact_or_none(squares, size);

done:
    PyMem_Free(squares);
    PyBuffer_Release(&found);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&tf);
    PyBuffer_Release(&idf);
    PyBuffer_Release(&raw);
    return result;
}

PyDoc_STRVAR(contribute_doc,
"contribute(found, raw, coef, norm, contributions) -> (bytes, lowest) or None\n"
"\n"
"contributions[i] = coef[found[i]] * (raw[i] / norm), and the exact parts of\n"
"their sum; None when a value is not finite.");

static PyObject *
contribute(PyObject *self, PyObject *args)
{
    Py_buffer found = {0}, raw = {0}, coef = {0}, contributions = {0};
    double norm;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*dw*:contribute", &found, &raw, &coef, &norm, &contributions))
        return NULL;
    Py_ssize_t size = found.len / (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t vocabulary = coef.len / (Py_ssize_t)sizeof(double);
    if (check_size(&found, size, sizeof(int64_t), "found", 0) < 0
        || check_size(&raw, size, sizeof(double), "raw", 1) < 0
        || check_size(&contributions, size, sizeof(double), "contributions", 1) < 0)
        goto done;
    const int64_t *index = (const int64_t *)found.buf;
    const double *raw_of = (const double *)raw.buf, *coef_of = (const double *)coef.buf;
    double *out = (double *)contributions.buf;
    for (Py_ssize_t item = 0; item < size; item++) {
        if (index[item] < 0 || index[item] >= vocabulary) {
            PyErr_SetString(PyExc_ValueError, "contribute: a vocabulary index out of range");
            goto done;
        }
        out[item] = coef_of[index[item]] * (raw_of[item] / norm);
    }
    result = exact_or_none(out, size);

done:
    PyBuffer_Release(&found);
    PyBuffer_Release(&raw);
    PyBuffer_Release(&coef);
    PyBuffer_Release(&contributions);
    return result;
}

PyDoc_STRVAR(fold_doc,
"fold(text, table) -> str\n"
"\n"
"text with every character c for which table[c] is not 0 replaced by\n"
"chr(table[c]): str.translate with a one-to-one table.  table: uint32 per code\n"
"point (0x110000).  Returns text itself when no character changes.");

static PyObject *
fold(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_buffer table = {0};
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "Uy*:fold", &text, &table))
        return NULL;
    if (check_size(&table, CODE_POINTS, sizeof(uint32_t), "table", 0) < 0)
        goto done;
    const uint32_t *to = (const uint32_t *)table.buf;
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    /* Most texts hold a fold or two (full-width punctuation): the first pass
       finds the widest character of the result, the second writes it. */
    Py_UCS4 widest = 0;
    int changed = 0;
    for (Py_ssize_t position = 0; position < size; position++) {
        Py_UCS4 code = PyUnicode_READ(kind, data, position);
        Py_UCS4 folded = to[code] ? to[code] : code; /* code < 0x110000: a str holds no more */
        if (folded >= CODE_POINTS) {
            PyErr_SetString(PyExc_ValueError, "fold: the table maps to a code point past U+10FFFF");
            goto done;
        }
        changed |= folded != code;
        widest = folded > widest ? folded : widest;
    }
    if (!changed) {
        result = Py_NewRef(text);
        goto done;
    }
    result = PyUnicode_New(size, widest);
    if (result == NULL)
        goto done;
    int out_kind = PyUnicode_KIND(result);
    void *out = PyUnicode_DATA(result);
    for (Py_ssize_t position = 0; position < size; position++) {
        Py_UCS4 code = PyUnicode_READ(kind, data, position);
        PyUnicode_WRITE(out_kind, out, position, to[code] ? to[code] : code);
    }

done:
    PyBuffer_Release(&table);
    return result;
}

/* Character classes of scanner.normalize, one bit each in a uint8 per code point. */
enum { IS_HAN = 1, IS_DENSE = 2, IS_SPACE = 4, IS_FORMAT = 8, IS_PINYIN = 16, IS_DASH = 32 };

typedef struct {
    const void *data;
    int kind;
    Py_ssize_t size;
    const uint8_t *flags;
} Scan;

static inline Py_UCS4
char_at(const Scan *scan, Py_ssize_t at)
{
    return at >= 0 && at < scan->size ? PyUnicode_READ(scan->kind, scan->data, at) : 0x110000;
}

static inline unsigned
flags_at(const Scan *scan, Py_ssize_t at)
{
    Py_UCS4 code = char_at(scan, at);
    return code < CODE_POINTS ? scan->flags[code] : 0;
}

static inline int
blank(Py_UCS4 code) /* [ \t] */
{
    return code == ' ' || code == '\t';
}

/* PAGE_NUMBER_TAIL from `at`: its end, or -1.  Each step is greedy and no
   backtracking could change the outcome (the classes that follow one
   another do not overlap where it would matter; see normalize.py). */
static Py_ssize_t
page_number_tail(const Scan *scan, Py_ssize_t at)
{
    while (flags_at(scan, at) & IS_SPACE)
        at++;
    if (flags_at(scan, at) & IS_DASH)
        at++;
    while (blank(char_at(scan, at)))
        at++;
    int digits = 0;
    while (digits < 4 && char_at(scan, at) < CODE_POINTS && Py_UNICODE_ISDECIMAL(char_at(scan, at))) {
        at++;
        digits++;
    }
    if (digits == 0)
        return -1;
    while (blank(char_at(scan, at)))
        at++;
    if (flags_at(scan, at) & IS_DASH)
        at++;
    while (blank(char_at(scan, at)))
        at++;
    if (char_at(scan, at) == '\r')
        at++;
    if (char_at(scan, at) != '\n')
        return -1;
    at++;
    while (flags_at(scan, at) & IS_SPACE)
        at++;
    return flags_at(scan, at) & IS_HAN ? at : -1;
}

/* The end of the deletion that starts at `start` (normalize._deletions()
   tried there), or -1: the alternatives in the pattern's order. */
static Py_ssize_t
deletion_at(const Scan *scan, Py_ssize_t start)
{
    Py_UCS4 first = char_at(scan, start);
    unsigned kind = flags_at(scan, start);
    if (!(kind & (IS_SPACE | IS_FORMAT)) && first != '(')
        return -1;
    Py_ssize_t next = start + 1, end = -1;
    /* a page-number line splitting a word: 国\n-7-\n家 */
    if (flags_at(scan, start - 1) & IS_HAN) {
        if (blank(first)) {
            end = next;
            while (blank(char_at(scan, end)))
                end++;
            if (char_at(scan, end) == '\r')
                end++;
            end = char_at(scan, end) == '\n' ? end + 1 : -1;
        }
        else if (first == '\r')
            end = char_at(scan, next) == '\n' ? next + 1 : -1;
        else if (first == '\n')
            end = next;
        if (end >= 0 && (end = page_number_tail(scan, end)) >= 0)
            return end;
    }
    /* inline pinyin after a character: 國(guó), 國 (guó) */
    if (first == '(') {
        Py_UCS4 before = char_at(scan, start - 1);
        if (!((flags_at(scan, start - 1) & IS_HAN) || (before == ' ' && (flags_at(scan, start - 2) & IS_HAN))))
            return -1;
        end = next;
        while (end - next < 6 && (flags_at(scan, end) & IS_PINYIN))
            end++;
        if (end == next)
            return -1;
        if (char_at(scan, end) >= '1' && char_at(scan, end) <= '5')
            end++;
        return char_at(scan, end) == ')' ? end + 1 : -1;
    }
    /* white space and format characters next to dense text, then format characters anywhere */
    end = next;
    while (flags_at(scan, end) & (IS_SPACE | IS_FORMAT))
        end++;
    if ((flags_at(scan, start - 1) & IS_DENSE) || (flags_at(scan, end) & IS_DENSE))
        return end;
    if (kind & IS_FORMAT) {
        end = next;
        while (flags_at(scan, end) & IS_FORMAT)
            end++;
        return end;
    }
    return -1;
}

/* The deletions of the whole text, as (start, end) pairs in *spans (PyMem;
   the caller frees it); -1 when out of memory.  Linear in the text: sre
   retries a run of white space that is not next to dense text at each of its
   characters (20,000 spaces took it 4 s), and so would a plain loop here. */
static int
find_deletions(const Scan *scan, Py_ssize_t **spans, Py_ssize_t *count)
{
    Py_ssize_t capacity = 0;
    *spans = NULL;
    *count = 0;
    /* White space before dead_until starts no deletion: a run of white space
       and format characters whose first white space started none has the
       same end and the same neighbours for each of its white-space
       characters (the look-behinds see white space, the look-ahead the same
       character after the run).  Its format characters are still tried. */
    Py_ssize_t dead_until = 0;
    for (Py_ssize_t at = 0; at < scan->size;) {
        if (at < dead_until && !(flags_at(scan, at) & IS_FORMAT)) {
            at++;
            continue;
        }
        Py_ssize_t end = deletion_at(scan, at);
        if (end < 0) {
            if (flags_at(scan, at) & IS_SPACE) {
                dead_until = at + 1;
                while (flags_at(scan, dead_until) & (IS_SPACE | IS_FORMAT))
                    dead_until++;
            }
            at++;
            continue;
        }
        if (*count == capacity) {
            capacity = capacity ? 2 * capacity : 64;
            Py_ssize_t *grown = (Py_ssize_t *)PyMem_Realloc(*spans, (size_t)capacity * 2 * sizeof(Py_ssize_t));
            if (grown == NULL) {
                PyMem_Free(*spans);
                *spans = NULL;
                PyErr_NoMemory();
                return -1;
            }
            *spans = grown;
        }
        (*spans)[2 * *count] = at;
        (*spans)[2 * *count + 1] = end;
        (*count)++;
        at = end;
    }
    return 0;
}

/* Parse (text, flags) with `format`, check the table and find the deletions
   into *spans; -1 with an exception set.  The caller releases *flags (safe
   when it was never filled) and frees *spans. */
static int
parse_and_find(PyObject *args, const char *format, PyObject **text, Py_buffer *flags, Scan *scan,
               Py_ssize_t **spans, Py_ssize_t *count)
{
    if (!PyArg_ParseTuple(args, format, text, flags)
        || check_size(flags, CODE_POINTS, sizeof(uint8_t), "flags", 0) < 0)
        return -1;
    *scan = (Scan){PyUnicode_DATA(*text), PyUnicode_KIND(*text), PyUnicode_GET_LENGTH(*text),
                   (const uint8_t *)flags->buf};
    return find_deletions(scan, spans, count);
}

PyDoc_STRVAR(deletions_doc,
"deletions(text, flags) -> list of (start, end)\n"
"\n"
"The spans of normalize._deletions().finditer(text); flags as for delete().");

static PyObject *
deletions(PyObject *self, PyObject *args)
{
    PyObject *text, *result = NULL;
    Py_buffer flags = {0};
    Py_ssize_t *spans = NULL, count = 0;
    Scan scan;
    (void)self;
    if (parse_and_find(args, "Uy*:deletions", &text, &flags, &scan, &spans, &count) < 0)
        goto done;
    result = PyList_New(count);
    if (result == NULL)
        goto done;
    for (Py_ssize_t span = 0; span < count; span++) {
        PyObject *pair = Py_BuildValue("(nn)", spans[2 * span], spans[2 * span + 1]);
        if (pair == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, span, pair);
    }

done:
    PyMem_Free(spans);
    PyBuffer_Release(&flags);
    return result;
}

PyDoc_STRVAR(delete_doc,
"delete(text, flags) -> str\n"
"\n"
"normalize._deletions().sub('', text) in one pass: flags is a uint8 per code\n"
"point (0x110000) with the bits HAN 1, DENSE 2, SPACE 4, FORMAT 8, PINYIN 16,\n"
"DASH 32.  Returns text itself when nothing is deleted.");

static PyObject *
delete(PyObject *self, PyObject *args)
{
    PyObject *text, *result = NULL;
    Py_buffer flags = {0};
    Py_ssize_t *spans = NULL, count = 0;
    Scan scan;
    (void)self;
    if (parse_and_find(args, "Uy*:delete", &text, &flags, &scan, &spans, &count) < 0)
        goto done;
    if (count == 0) {
        result = Py_NewRef(text);
        goto done;
    }
    Py_ssize_t removed = 0;
    for (Py_ssize_t span = 0; span < count; span++)
        removed += spans[2 * span + 1] - spans[2 * span];
    /* the widest character kept: a str must be stored in its narrowest kind */
    Py_UCS4 widest = 0;
    Py_ssize_t from = 0;
    for (Py_ssize_t span = 0; span <= count; span++) {
        Py_ssize_t until = span < count ? spans[2 * span] : scan.size;
        for (Py_ssize_t at = from; at < until; at++) {
            Py_UCS4 code = PyUnicode_READ(scan.kind, scan.data, at);
            widest = code > widest ? code : widest;
        }
        from = span < count ? spans[2 * span + 1] : scan.size;
    }
    result = PyUnicode_New(scan.size - removed, widest);
    if (result == NULL)
        goto done;
    int out_kind = PyUnicode_KIND(result);
    void *out = PyUnicode_DATA(result);
    Py_ssize_t written = 0;
    from = 0;
    for (Py_ssize_t span = 0; span <= count; span++) {
        Py_ssize_t until = span < count ? spans[2 * span] : scan.size;
        for (Py_ssize_t at = from; at < until; at++)
            PyUnicode_WRITE(out_kind, out, written++, PyUnicode_READ(scan.kind, scan.data, at));
        from = span < count ? spans[2 * span + 1] : scan.size;
    }

done:
    PyMem_Free(spans);
    PyBuffer_Release(&flags);
    return result;
}

PyDoc_STRVAR(ascii_skeleton_doc,
"ascii_skeleton(text) -> bytes\n"
"\n"
"The ASCII characters of text in order, each run of other characters\n"
"replaced by one NUL byte: a regex made only of ASCII literals and classes\n"
"(no NUL) finds a match in it exactly when it finds one in text.");

static PyObject *
ascii_skeleton(PyObject *self, PyObject *args)
{
    PyObject *text;
    (void)self;
    if (!PyArg_ParseTuple(args, "U:ascii_skeleton", &text))
        return NULL;
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_IS_ASCII(text))
        return PyBytes_FromStringAndSize((const char *)PyUnicode_DATA(text), size);
    /* One pass per character width into a buffer of the worst-case size
       (a generic PyUnicode_READ per character and a counting pass first
       took three times as long). */
    char *out = PyMem_Malloc(size > 0 ? (size_t)size : 1);
    if (out == NULL)
        return PyErr_NoMemory();
    Py_ssize_t written = 0;
    int in_run = 0;
#define SKELETON(TYPE)                                                      \
    do {                                                                    \
        const TYPE *chars = (const TYPE *)PyUnicode_DATA(text);             \
        for (Py_ssize_t position = 0; position < size; position++) {        \
            Py_UCS4 code = chars[position];                                 \
            int ascii = code < 0x80;                                        \
            /* no branch: ASCII and other characters alternate often */    \
            out[written] = ascii ? (char)code : 0;                          \
            written += ascii | !in_run;                                     \
            in_run = !ascii;                                                \
        }                                                                   \
    } while (0)
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        SKELETON(Py_UCS1);
        break;
    case PyUnicode_2BYTE_KIND:
        SKELETON(Py_UCS2);
        break;
    default:
        SKELETON(Py_UCS4);
        break;
    }
#undef SKELETON
    PyObject *result = PyBytes_FromStringAndSize(out, written);
    PyMem_Free(out);
    return result;
}

static PyMethodDef methods[] = {
    {"count", count, METH_VARARGS, count_doc},
    {"exact_parts", exact_parts, METH_VARARGS, exact_parts_doc},
    {"tf_idf", tf_idf, METH_VARARGS, tf_idf_doc},
    {"contribute", contribute, METH_VARARGS, contribute_doc},
    {"fold", fold, METH_VARARGS, fold_doc},
    {"ascii_skeleton", ascii_skeleton, METH_VARARGS, ascii_skeleton_doc},
    {"delete", delete, METH_VARARGS, delete_doc},
    {"deletions", deletions, METH_VARARGS, deletions_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    "scanner._ngram",
    "Compiled kernels: the model's n-gram counts and exact sums, the normaliser's folds (see _ngram.c).",
    -1,
    methods,
};

PyMODINIT_FUNC
PyInit__ngram(void)
{
    return PyModule_Create(&module);
}
