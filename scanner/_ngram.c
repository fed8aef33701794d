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
 * weigh() counts and goes on, in the same call, to what scanner.model
 * makes of the counts: the tf-idf weights scaled to unit length, the
 * contributions coef * weight, their exact sum and the indexes of the
 * largest positive ones, ranked; every product, quotient and root is the
 * one IEEE operation numpy does (compiled without fused multiply-adds), and
 * every sum is exact (an integer read off the doubles' bits), rounded once
 * as math.fsum rounds, so the results are numpy's to the bit.  From the
 * counts to the ranked indexes took ~75 µs a laws document with numpy
 * between the steps, ~30 µs here.  exact_sum() is that sum for
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

/* BODY run with `chars` pointing at the characters of a str of `kind`, as
   the narrowest type that holds them: one loop per width, where a generic
   PyUnicode_READ per character tests the width at each of them (the
   compiler does not lift the test out of every loop). */
#define FOR_KIND(kind, data, ...)                                   \
    do {                                                            \
        switch (kind) {                                             \
        case PyUnicode_1BYTE_KIND: {                                \
            const Py_UCS1 *chars = (const Py_UCS1 *)(data);         \
            __VA_ARGS__;                                            \
            break;                                                  \
        }                                                           \
        case PyUnicode_2BYTE_KIND: {                                \
            const Py_UCS2 *chars = (const Py_UCS2 *)(data);         \
            __VA_ARGS__;                                            \
            break;                                                  \
        }                                                           \
        default: {                                                  \
            const Py_UCS4 *chars = (const Py_UCS4 *)(data);         \
            __VA_ARGS__;                                            \
            break;                                                  \
        }                                                           \
        }                                                           \
    } while (0)

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

/* count() on parsed arguments: the distinct vocabulary indexes of text (ascending) into
   out_index and their counts into out_count; how many, or -1 with an exception set. */
static Py_ssize_t
count_into(PyObject *text, Py_buffer *rank, Py_buffer *roots, Py_buffer *cells, Py_buffer *tally,
           Py_buffer *out_index, Py_buffer *out_count, unsigned long base, int longest)
{
    Py_ssize_t result = -1;
    uint16_t *ranks = NULL;
    uint64_t *seen = NULL;
    uint32_t *hits = NULL, *where = NULL, *nodes = NULL;

    Py_ssize_t key_count = tally->len / (Py_ssize_t)sizeof(uint32_t);  /* vocabulary size + 1 */
    Py_ssize_t cell_count = cells->len / (Py_ssize_t)sizeof(uint64_t);
    if (longest < 1 || longest > 16 || base < 2 || base > 0x10000 || key_count < 1 || key_count > 0x10000) {
        PyErr_SetString(PyExc_ValueError, "count: implausible table parameters");
        return -1;
    }
    if (check_size(rank, CODE_POINTS, sizeof(uint16_t), "rank", 0) < 0
        || check_size(roots, (Py_ssize_t)base, sizeof(uint64_t), "roots", 0) < 0
        || check_size(cells, cell_count > 0 ? cell_count : 1, sizeof(uint64_t), "cells", 0) < 0
        || check_size(tally, key_count, sizeof(uint32_t), "tally", 0) < 0
        || check_size(out_index, key_count - 1, sizeof(int64_t), "out_index", 1) < 0
        || check_size(out_count, key_count - 1, sizeof(int64_t), "out_count", 1) < 0)
        return -1;

    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    if (size >= (Py_ssize_t)UINT32_MAX / 16) {  /* positions and counts must fit in uint32 */
        PyErr_SetString(PyExc_ValueError, "count: text too long");
        return -1;
    }
    const uint16_t *rank_of = (const uint16_t *)rank->buf;
    const uint64_t *root_of = (const uint64_t *)roots->buf;
    const uint64_t *cell_of = (const uint64_t *)cells->buf;
    uint32_t *tally_of = (uint32_t *)tally->buf;
    int64_t *found = (int64_t *)out_index->buf;
    int64_t *counts = (int64_t *)out_count->buf;
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
    FOR_KIND(kind, data, for (Py_ssize_t start = 0; start < size; start++) {
        Py_UCS4 code = chars[start];
        uint32_t digit = code < CODE_POINTS ? rank_of[code] : 0;
        digit = digit < radix ? digit : 0;  /* root_of has radix entries */
        ranks[start] = (uint16_t)digit;
        uint64_t edge = root_of[digit];
        hits[kept] = (uint32_t)(edge >> CHECK_BITS) & 0xFFFF;
        kept += hits[kept] != 0;
        where[live] = (uint32_t)start;
        nodes[live] = (uint32_t)(edge >> CHILD_SHIFT);
        live += (digit != 0) & (nodes[live] != 0);
    });
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
    result = distinct;
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
    return result;
}

static PyObject *
count(PyObject *self, PyObject *args)
{
    PyObject *text;
    Py_buffer rank = {0}, roots = {0}, cells = {0}, tally = {0}, out_index = {0}, out_count = {0};
    unsigned long base;
    int longest;
    (void)self;

    if (!PyArg_ParseTuple(args, "Uy*y*y*w*w*w*ki:count", &text, &rank, &roots, &cells, &tally, &out_index,
                          &out_count, &base, &longest))
        return NULL;
    Py_ssize_t distinct = count_into(text, &rank, &roots, &cells, &tally, &out_index, &out_count, base, longest);
    PyBuffer_Release(&rank);
    PyBuffer_Release(&roots);
    PyBuffer_Release(&cells);
    PyBuffer_Release(&tally);
    PyBuffer_Release(&out_index);
    PyBuffer_Release(&out_count);
    return distinct < 0 ? NULL : PyLong_FromSsize_t(distinct);
}

#define LIMB_BITS 32
#define LIMBS 80 /* 2,560 bits: the span of double exponents (2,098) plus digits and carries */

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
#define NARROW_SPAN 47 /* exponents this close are summed in 128 bits: 53 + 47 + 26 < 127 */

/* The exact sum of value[0..size), finite doubles whose exponents lie in
   lowest..highest, as an integer times 2**lowest: its 32-bit parts, least
   significant first, in two's complement; returns 1 when it is negative.

   Each value's digits are added to the bin of its exponent, split at 2**26
   into two int64 sums (fewer than 2**26 values of less than 2**27 each cannot
   overflow), so a value costs two additions in registers-hot bins; the bins
   then go into the limbs once each (17 -> 5 µs for 2,000 values, against
   three limb additions per value).  A document's weights span 8 to 16
   exponents, so they are summed in one 128-bit integer instead, a shift and
   an addition in registers each. */
static int
exact_integer(const double *value, Py_ssize_t size, int lowest, int highest, uint32_t part[LIMBS])
{
    if (highest - lowest <= NARROW_SPAN) {
        /* One accumulator: each digits * 2**(exponent - lowest) is below 2**100 in
           magnitude and there are fewer than 2**26, so the sum stays inside
           (-2**127, 2**127); unsigned arithmetic wraps as two's complement does. */
        unsigned __int128 total = 0;
        for (Py_ssize_t item = 0; item < size; item++) {
            int64_t digits;
            int exponent;
            split_double(value[item], &digits, &exponent);
            total += (unsigned __int128)(__int128)digits << (exponent - lowest);
        }
        int negative = (int)(total >> 127);
        for (int index = 0; index < LIMBS; index++)
            part[index] = index < 4 ? (uint32_t)(total >> (LIMB_BITS * index)) : negative ? 0xFFFFFFFFU : 0;
        return negative;
    }
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
    int64_t carry = 0;
    for (int index = 0; index < LIMBS; index++) {
        int64_t total = limb[index] + carry;
        int64_t low = total & 0xFFFFFFFFLL;
        carry = (total - low) / ((int64_t)1 << LIMB_BITS); /* exact: floor division */
        part[index] = (uint32_t)low;
    }
    return carry < 0; /* what is left is the sign: 0 or -1 */
}

/* The exact sum of value[0..size), finite doubles whose exponents lie in
   lowest..highest, fewer than 2**26 of them, rounded once to the nearest
   double (ties to even) as Python rounds int / int and float(int):
   math.fsum's result.  0 with *sum set; -1 when the sum is zero (fsum knows
   the sign of a zero sum) or its rounded value is not a normal double
   (rounding to a subnormal one would need more care here; too large, fsum
   raises): the caller sums another way then. */
static int
rounded_in_range(const double *value, Py_ssize_t size, int lowest, int highest, double *sum)
{
    uint32_t part[LIMBS];
    int negative = exact_integer(value, size, lowest, highest, part);
    if (negative) { /* the magnitude: invert, add one */
        uint64_t carry = 1;
        for (int index = 0; index < LIMBS; index++) {
            uint64_t flipped = (uint64_t)(uint32_t)~part[index] + carry;
            part[index] = (uint32_t)flipped;
            carry = flipped >> LIMB_BITS;
        }
    }
    int top = LIMBS - 1;
    while (top >= 0 && part[top] == 0)
        top--;
    if (top < 0)
        return -1;
    int length = top * LIMB_BITS + (LIMB_BITS - __builtin_clz(part[top])); /* of the magnitude, in bits */
    /* The magnitude's leading 53 bits and the rounding bit after them (all of
       it when it is shorter), read from bit `shift` up. */
    int shift = length > 53 ? length - 54 : 0;
    int at = shift / LIMB_BITS, offset = shift % LIMB_BITS;
    uint64_t low = part[at] | (at + 1 < LIMBS ? (uint64_t)part[at + 1] << LIMB_BITS : 0);
    uint64_t high = at + 2 < LIMBS ? part[at + 2] : 0;
    uint64_t digits = low >> offset | (offset ? high << (64 - offset) : 0);
    int exponent = lowest + shift; /* the sum is digits * 2**exponent, give or take the bits below */
    if (length > 53) {
        int sticky = (part[at] & ((1U << offset) - 1)) != 0; /* a bit below the rounding bit */
        for (int index = 0; index < at && !sticky; index++)
            sticky = part[index] != 0;
        uint64_t rounding = digits & 1;
        digits >>= 1;
        exponent++;
        digits += rounding & (sticky | (digits & 1)); /* to nearest, ties to even; may reach 2**53 */
    }
    /* a normal double: 53 digits with the leading one at 2**52, and an exponent field of 1 .. 2046 */
    int leading = 63 - __builtin_clzll(digits);
    if (leading > 52) { /* 2**53: exactly 2**52 * 2 */
        digits >>= 1;
        exponent++;
    }
    else {
        digits <<= 52 - leading;
        exponent -= 52 - leading;
    }
    int field = exponent + 52 + 1023;
    if (field < 1 || field > 2046)
        return -1;
    uint64_t bits = (uint64_t)negative << 63 | (uint64_t)field << 52 | (digits & ((1ULL << 52) - 1));
    memcpy(sum, &bits, sizeof bits);
    return 0;
}

/* rounded_in_range() of any doubles: -1 too when one is not finite or there
   are 2**26 or more. */
static int
rounded_sum(const double *value, Py_ssize_t size, double *sum)
{
    int lowest, highest;
    if (size >= ((Py_ssize_t)1 << 26) || exponent_range(value, size, &lowest, &highest) < 0)
        return -1;
    return rounded_in_range(value, size, lowest, highest, sum);
}

PyDoc_STRVAR(exact_sum_doc,
"exact_sum(values) -> float or None\n"
"\n"
"math.fsum of float64 values (the buffer's bytes), summed exactly as an integer\n"
"and rounded once.  None when a value is not finite, there are 2**26 or more of\n"
"them, or the sum is zero or not a normal double: use math.fsum then.");

static PyObject *
exact_sum(PyObject *self, PyObject *args)
{
    Py_buffer values = {0};
    PyObject *result = NULL;
    double sum;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*:exact_sum", &values))
        return NULL;
    if (values.len % (Py_ssize_t)sizeof(double) != 0
        || rounded_sum((const double *)values.buf, values.len / (Py_ssize_t)sizeof(double), &sum) < 0)
        result = Py_NewRef(Py_None);
    else
        result = PyFloat_FromDouble(sum);
    PyBuffer_Release(&values);
    return result;
}

/* A positive contribution and its vocabulary index, as weigh() ranks them. */
typedef struct {
    double value;
    int64_t index;
} Ranked;

/* Whether a is ranked before b: the larger contribution first, then the smaller index. */
static inline int
ranked_before(Ranked a, Ranked b)
{
    return a.value > b.value || (a.value == b.value && a.index < b.index);
}

/* Restore the heap under `at`: each item is ranked after (or is) its children,
   so the root is the last of them. */
static void
sift_down(Ranked *heap, Py_ssize_t size, Py_ssize_t at)
{
    for (;;) {
        Py_ssize_t last = at, child = 2 * at + 1;
        if (child < size && ranked_before(heap[last], heap[child]))
            last = child;
        if (child + 1 < size && ranked_before(heap[last], heap[child + 1]))
            last = child + 1;
        if (last == at)
            return;
        Ranked moved = heap[at];
        heap[at] = heap[last];
        heap[last] = moved;
        at = last;
    }
}

/* The first `limit` of the candidates[0..size), ranked, at the start of
   candidates; how many that is.  A heap holds the best `limit` so far with
   the last of them at its root, so most candidates cost one comparison with
   it; then the heap is sorted in place. */
static Py_ssize_t
rank_first(Ranked *candidates, Py_ssize_t size, Py_ssize_t limit)
{
    Py_ssize_t kept = size < limit ? size : limit;
    for (Py_ssize_t at = kept / 2; at-- > 0;)
        sift_down(candidates, kept, at);
    for (Py_ssize_t item = kept; item < size; item++) {
        if (ranked_before(candidates[item], candidates[0])) {
            candidates[0] = candidates[item];
            sift_down(candidates, kept, 0);
        }
    }
    for (Py_ssize_t end = kept - 1; end > 0; end--) { /* the last to the end, repeatedly */
        Ranked moved = candidates[0];
        candidates[0] = candidates[end];
        candidates[end] = moved;
        sift_down(candidates, end, 0);
    }
    return kept;
}

/* Widen [*low, *high] to the exponent field of value (split_double's exponent + 1075; 2047: not finite). */
static inline void
widen(double value, int *low, int *high)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    int field = (int)((bits >> 52) & 0x7FF);
    field = field ? field : 1; /* a subnormal's exponent is the smallest normal one's */
    *low = field < *low ? field : *low;
    *high = field > *high ? field : *high;
}

PyDoc_STRVAR(weigh_doc,
"weigh(text, rank, roots, cells, tally, out_index, out_count, base, longest, tf, weights, limit)\n"
"    -> (distinct, total, positives, ranked) or None\n"
"\n"
"count() (the same arguments first), then weigh the n-grams found as\n"
"scanner.model does with numpy: for vocabulary index i found c times, raw =\n"
"tf[c] * idf[i], norm = sqrt(sum of raw * raw), contribution = coef[i] * (raw /\n"
"norm); each product, quotient and root is one IEEE operation and each sum is\n"
"exact, rounded once as math.fsum rounds.  tf: float64 by count; weights:\n"
"float64, idf[i] and coef[i] for each vocabulary index i in turn.  distinct: how\n"
"many indexes were found; total: the sum of the contributions; positives: how\n"
"many of them are above 0; ranked: a list of the indexes of the first `limit`\n"
"of those, largest first (among equal ones the smaller index first).\n"
"(0, 0.0, 0, []) when no n-gram is found.  None when a count is past the tf\n"
"table, a value is not finite or a sum is zero or not a normal double: weigh\n"
"with numpy then.");

static PyObject *
weigh(PyObject *self, PyObject *args)
{
    PyObject *text, *result = NULL, *ranked = NULL;
    Py_buffer rank = {0}, roots = {0}, cells = {0}, tally = {0}, out_index = {0}, out_count = {0};
    Py_buffer tf = {0}, weights = {0};
    unsigned long base;
    int longest;
    Py_ssize_t limit;
    double *raw = NULL, *value = NULL;
    Ranked *positive = NULL;
    (void)self;

    if (!PyArg_ParseTuple(args, "Uy*y*y*w*w*w*kiy*y*n:weigh", &text, &rank, &roots, &cells, &tally, &out_index,
                          &out_count, &base, &longest, &tf, &weights, &limit))
        return NULL;
    Py_ssize_t distinct = count_into(text, &rank, &roots, &cells, &tally, &out_index, &out_count, base, longest);
    if (distinct < 0)
        goto done;
    Py_ssize_t vocabulary = tally.len / (Py_ssize_t)sizeof(uint32_t) - 1; /* count_into checked tally */
    Py_ssize_t tf_size = tf.len / (Py_ssize_t)sizeof(double);
    if (check_size(&tf, tf_size, sizeof(double), "tf", 0) < 0
        || check_size(&weights, 2 * vocabulary, sizeof(double), "weights", 0) < 0)
        goto done;
    if (limit < 0) {
        PyErr_SetString(PyExc_ValueError, "weigh: a negative limit");
        goto done;
    }
    if (distinct == 0) {
        result = Py_BuildValue("(ndnN)", (Py_ssize_t)0, 0.0, (Py_ssize_t)0, PyList_New(0));
        goto done;
    }
    /* count_into wrote indexes below the vocabulary's size and counts of at
       least 1 there; both are checked again as they are read (the buffers are
       the caller's) */
    const int64_t *found = (const int64_t *)out_index.buf, *counts = (const int64_t *)out_count.buf;
    const double *tf_of = (const double *)tf.buf, *weight = (const double *)weights.buf;
    raw = (double *)PyMem_Malloc((size_t)distinct * 2 * sizeof(double)); /* raw, then each one's coef */
    value = (double *)PyMem_Malloc((size_t)distinct * sizeof(double));
    positive = (Ranked *)PyMem_Malloc((size_t)distinct * sizeof(Ranked));
    if (raw == NULL || value == NULL || positive == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* The exponent ranges of the two sums are found as their values are
       made, and distinct < 2**26 (a vocabulary has at most 0xFFFF terms). */
    int low = 2047, high = 0;
    for (Py_ssize_t item = 0; item < distinct; item++) {
        if (found[item] < 0 || found[item] >= vocabulary) {
            PyErr_SetString(PyExc_ValueError, "weigh: a vocabulary index out of range");
            goto done;
        }
        if (counts[item] < 0 || counts[item] >= tf_size) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        /* idf and coef side by side: one cache line for both (the ~2,700
           terms of a document touch most lines of the 320 KB table) */
        const double *pair = weight + 2 * found[item];
        double scaled = tf_of[counts[item]] * pair[0];
        raw[2 * item] = scaled;
        raw[2 * item + 1] = pair[1];
        value[item] = scaled * scaled; /* one rounding each, as numpy's raw * raw */
        widen(value[item], &low, &high);
    }
    double squares, total;
    if (high == 0x7FF || rounded_in_range(value, distinct, low - 1075, high - 1075, &squares) < 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    double norm = sqrt(squares);
    low = 2047, high = 0;
    Py_ssize_t positives = 0;
    for (Py_ssize_t item = 0; item < distinct; item++) {
        value[item] = raw[2 * item + 1] * (raw[2 * item] / norm);
        widen(value[item], &low, &high);
        /* kept without a branch: ~3 % of them are positive */
        positive[positives] = (Ranked){value[item], found[item]};
        positives += value[item] > 0;
    }
    if (high == 0x7FF || rounded_in_range(value, distinct, low - 1075, high - 1075, &total) < 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    Py_ssize_t kept = rank_first(positive, positives, limit);
    ranked = PyList_New(kept);
    if (ranked == NULL)
        goto done;
    for (Py_ssize_t item = 0; item < kept; item++) {
        PyObject *number = PyLong_FromLongLong(positive[item].index);
        if (number == NULL)
            goto done;
        PyList_SET_ITEM(ranked, item, number);
    }
    result = Py_BuildValue("(ndnO)", distinct, total, positives, ranked);

done:
    Py_XDECREF(ranked);
    PyMem_Free(raw);
    PyMem_Free(value);
    PyMem_Free(positive);
    PyBuffer_Release(&rank);
    PyBuffer_Release(&roots);
    PyBuffer_Release(&cells);
    PyBuffer_Release(&tally);
    PyBuffer_Release(&out_index);
    PyBuffer_Release(&out_count);
    PyBuffer_Release(&tf);
    PyBuffer_Release(&weights);
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
    /* Most texts hold a fold or two (full-width punctuation).  Chinese text
       is written in one pass into a str of its own width, kept unless the
       folds changed nothing or made it narrower or wider; any other text,
       and those, take two passes: the first finds the widest character of
       the result, the second writes it. */
    Py_UCS4 widest = 0;
    int changed = 0;
    if (kind == PyUnicode_2BYTE_KIND) {
        result = PyUnicode_New(size, 0xFFFF);
        if (result == NULL)
            goto done;
        const Py_UCS2 *chars = (const Py_UCS2 *)data;
        Py_UCS2 *into = (Py_UCS2 *)PyUnicode_DATA(result);
        for (Py_ssize_t position = 0; position < size; position++) {
            Py_UCS4 code = chars[position];
            Py_UCS4 folded = to[code] ? to[code] : code;
            changed |= folded != code;
            widest = folded > widest ? folded : widest;
            into[position] = (Py_UCS2)folded;
        }
        if (changed && widest >= 0x100 && widest <= 0xFFFF)
            goto done;
        Py_CLEAR(result);
        if (!changed) {
            result = Py_NewRef(text);
            goto done;
        }
        changed = 0;
        widest = 0;
    }
    FOR_KIND(kind, data, for (Py_ssize_t position = 0; position < size; position++) {
        Py_UCS4 code = chars[position];
        Py_UCS4 folded = to[code] ? to[code] : code; /* code < 0x110000: a str holds no more */
        changed |= folded != code;
        widest = folded > widest ? folded : widest;
    });
    if (widest >= CODE_POINTS) {
        PyErr_SetString(PyExc_ValueError, "fold: the table maps to a code point past U+10FFFF");
        goto done;
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
    FOR_KIND(kind, data, for (Py_ssize_t position = 0; position < size; position++) {
        Py_UCS4 code = chars[position];
        PyUnicode_WRITE(out_kind, out, position, to[code] ? to[code] : code);
    });

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

/* The first position from `at` whose character could start a deletion
   (white space, a format character or '('), or the text's size. */
static Py_ssize_t
next_candidate(const Scan *scan, Py_ssize_t at)
{
    const uint8_t *flags = scan->flags;
    Py_ssize_t size = scan->size;
    FOR_KIND(scan->kind, scan->data, while (at < size) {
        Py_UCS4 code = chars[at];
        if (code == '(' || (code < CODE_POINTS && (flags[code] & (IS_SPACE | IS_FORMAT))))
            break;
        at++;
    });
    return at;
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
        if (at >= dead_until) {
            /* Only white space, a format character or '(' starts a
               deletion (deletion_at's first test): the characters before
               the next one are passed over in a loop of their own. */
            at = next_candidate(scan, at);
            if (at == scan->size)
                break;
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
        FOR_KIND(scan.kind, scan.data, for (Py_ssize_t at = from; at < until; at++) {
            Py_UCS4 code = chars[at];
            widest = code > widest ? code : widest;
        });
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
        if (out_kind == scan.kind) /* the kept pieces, as they are stored */
            memcpy((char *)out + written * out_kind, (const char *)scan.data + from * out_kind,
                   (size_t)(until - from) * (size_t)out_kind);
        else
            FOR_KIND(scan.kind, scan.data, for (Py_ssize_t at = from; at < until; at++) {
                PyUnicode_WRITE(out_kind, out, written + (at - from), chars[at]);
            });
        written += until - from;
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
    {"weigh", weigh, METH_VARARGS, weigh_doc},
    {"exact_sum", exact_sum, METH_VARARGS, exact_sum_doc},
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
