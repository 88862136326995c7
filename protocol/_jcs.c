/* Validator of canonical JSON (RFC 8785) within the Maillage profile, on bytes.
 *
 * check(data) -> None when the data is not certainly canonical-and-in-profile (the caller
 * then runs the exact Python path, which names the fault), else a tuple of the byte offsets
 * (body_start, body_end, header_start, header_end) when data is an object with exactly the
 * members "body", "header", "sig", or () for any other canonical value.
 *
 * It never decides that data is invalid: it only vouches, or declines.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_DEPTH 16
#define MAX_SAFE 9007199254740991ULL

typedef struct { const unsigned char *p, *end; } Cursor;

/* Byte classes inside a string: 0 plain ASCII, 1 quote, 2 backslash, 3 control, 4 other. */
static unsigned char string_class[256];

static void init_classes(void) {
    for (int b = 0; b < 256; b++)
        string_class[b] = b < 0x20 ? 3 : b == '"' ? 1 : b == '\\' ? 2 : b < 0x80 ? 0 : 4;
}

static int value(Cursor *c, int depth);

/* One UTF-8 sequence at c->p (first byte >= 0x80): strict (no overlongs, no surrogates,
 * nothing above U+10FFFF). Stores the code point. */
static int utf8(Cursor *c, uint32_t *cp) {
    const unsigned char *p = c->p;
    unsigned char b0 = p[0];
    int n;
    uint32_t v, min;
    if (b0 >= 0xC2 && b0 <= 0xDF) { n = 2; v = b0 & 0x1F; min = 0x80; }
    else if (b0 >= 0xE0 && b0 <= 0xEF) { n = 3; v = b0 & 0x0F; min = 0x800; }
    else if (b0 >= 0xF0 && b0 <= 0xF4) { n = 4; v = b0 & 0x07; min = 0x10000; }
    else return 0;
    if (c->end - p < n) return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    c->p += n;
    return 1;
}

/* A canonical string starting at c->p (on the opening quote). If units is not NULL, the
 * string's UTF-16 code units are written there (up to cap) and counted in *count. */
static int string(Cursor *c, uint16_t *units, Py_ssize_t cap, Py_ssize_t *count) {
    Py_ssize_t k = 0;
    c->p++; /* opening quote */
    while (c->p < c->end) {
        if (!units) {
            const unsigned char *p = c->p, *end = c->end;
            while (p < end && string_class[*p] == 0) p++;
            c->p = p;
            if (p >= end) return 0;
        }
        unsigned char b = *c->p;
        uint32_t cp;
        if (b == '"') {
            c->p++;
            if (count) *count = k;
            return 1;
        }
        if (b < 0x20) return 0;
        if (b == '\\') {
            if (c->end - c->p < 2) return 0;
            unsigned char e = c->p[1];
            switch (e) {
                case '"': cp = '"'; c->p += 2; break;
                case '\\': cp = '\\'; c->p += 2; break;
                case 'b': cp = 8; c->p += 2; break;
                case 'f': cp = 12; c->p += 2; break;
                case 'n': cp = 10; c->p += 2; break;
                case 'r': cp = 13; c->p += 2; break;
                case 't': cp = 9; c->p += 2; break;
                case 'u': {
                    /* canonical only for other control characters: \u00XX, lowercase */
                    if (c->end - c->p < 6) return 0;
                    const unsigned char *h = c->p + 2;
                    if (h[0] != '0' || h[1] != '0' || (h[2] != '0' && h[2] != '1')) return 0;
                    unsigned char x = h[3];
                    int lo;
                    if (x >= '0' && x <= '9') lo = x - '0';
                    else if (x >= 'a' && x <= 'f') lo = x - 'a' + 10;
                    else return 0;
                    cp = (uint32_t)((h[2] - '0') * 16 + lo);
                    if (cp == 8 || cp == 9 || cp == 10 || cp == 12 || cp == 13) return 0;
                    c->p += 6;
                    break;
                }
                default: return 0;
            }
        } else if (b < 0x80) {
            cp = b;
            c->p++;
        } else if (!utf8(c, &cp)) {
            return 0;
        }
        if (units) {
            if (cp >= 0x10000) {
                if (k + 2 > cap) return 0;
                cp -= 0x10000;
                units[k++] = (uint16_t)(0xD800 + (cp >> 10));
                units[k++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
            } else {
                if (k + 1 > cap) return 0;
                units[k++] = (uint16_t)cp;
            }
        }
    }
    return 0;
}

static int number(Cursor *c) {
    const unsigned char *start = c->p;
    int negative = 0;
    if (*c->p == '-') { negative = 1; c->p++; }
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return 0;
    if (*c->p == '0') {
        c->p++;
        if (negative) return 0; /* -0 */
    } else {
        uint64_t v = 0;
        int digits = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (++digits > 16) return 0;
            v = v * 10 + (uint64_t)(*c->p - '0');
            c->p++;
        }
        if (v > MAX_SAFE) return 0;
    }
    if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E')) return 0;
    (void)start;
    return 1;
}

static int literal(Cursor *c, const char *word, Py_ssize_t n) {
    if (c->end - c->p < n || memcmp(c->p, word, (size_t)n) != 0) return 0;
    c->p += n;
    return 1;
}

/* Compare member names by UTF-16 code units: the fast case compares raw bytes. */
#define NAME_CAP 4096
static int object(Cursor *c, int depth) {
    static uint16_t prev_units[NAME_CAP], cur_units[NAME_CAP];
    c->p++; /* { */
    if (c->p < c->end && *c->p == '}') { c->p++; return 1; }
    const unsigned char *prev = NULL;
    Py_ssize_t prev_len = 0;
    int prev_decoded = 0;
    Py_ssize_t prev_count = 0;
    for (;;) {
        if (c->p >= c->end || *c->p != '"') return 0;
        const unsigned char *name = c->p + 1;
        if (!string(c, NULL, 0, NULL)) return 0;
        Py_ssize_t len = (c->p - 1) - name;
        if (prev) {
            /* raw bytes order equals UTF-16 order when neither name has an escape or a
             * 4-byte sequence; otherwise decode both */
            int simple = memchr(prev, '\\', (size_t)prev_len) == NULL
                && memchr(name, '\\', (size_t)len) == NULL;
            if (simple) {
                for (Py_ssize_t i = 0; i < prev_len && simple; i++) if (prev[i] >= 0xF0) simple = 0;
                for (Py_ssize_t i = 0; i < len && simple; i++) if (name[i] >= 0xF0) simple = 0;
            }
            int cmp;
            if (simple) {
                Py_ssize_t m = prev_len < len ? prev_len : len;
                cmp = memcmp(prev, name, (size_t)m);
                if (cmp == 0) cmp = (prev_len < len) ? -1 : (prev_len > len ? 1 : 0);
            } else {
                Cursor a = { prev - 1, prev + prev_len + 1 }, b = { name - 1, name + len + 1 };
                Py_ssize_t na, nb;
                if (!string(&a, prev_units, NAME_CAP, &na)) return 0;
                if (!string(&b, cur_units, NAME_CAP, &nb)) return 0;
                Py_ssize_t m = na < nb ? na : nb;
                cmp = 0;
                for (Py_ssize_t i = 0; i < m && cmp == 0; i++)
                    cmp = (prev_units[i] < cur_units[i]) ? -1 : (prev_units[i] > cur_units[i]);
                if (cmp == 0) cmp = (na < nb) ? -1 : (na > nb ? 1 : 0);
            }
            if (cmp >= 0) return 0; /* out of order, or a duplicate */
        }
        (void)prev_decoded; (void)prev_count;
        prev = name;
        prev_len = len;
        if (c->p >= c->end || *c->p != ':') return 0;
        c->p++;
        if (!value(c, depth)) return 0;
        if (c->p >= c->end) return 0;
        if (*c->p == ',') { c->p++; continue; }
        if (*c->p == '}') { c->p++; return 1; }
        return 0;
    }
}

static int array(Cursor *c, int depth) {
    c->p++; /* [ */
    if (c->p < c->end && *c->p == ']') { c->p++; return 1; }
    for (;;) {
        if (!value(c, depth)) return 0;
        if (c->p >= c->end) return 0;
        if (*c->p == ',') { c->p++; continue; }
        if (*c->p == ']') { c->p++; return 1; }
        return 0;
    }
}

static int value(Cursor *c, int depth) {
    if (c->p >= c->end) return 0;
    switch (*c->p) {
        case '{': return depth < MAX_DEPTH && object(c, depth + 1);
        case '[': return depth < MAX_DEPTH && array(c, depth + 1);
        case '"': return string(c, NULL, 0, NULL);
        case 't': return literal(c, "true", 4);
        case 'f': return literal(c, "false", 5);
        case 'n': return literal(c, "null", 4);
        default: return number(c);
    }
}

/* An entry line in one pass: {"body":B,"header":H,"sig":S} — the three names in their
 * canonical order and nothing else. Fills the offsets; 0 if the data is not that shape. */
static int entry_shape(const unsigned char *data, Py_ssize_t n, Py_ssize_t off[4]) {
    Cursor e = { data, data + n };
    if (n < 8 || memcmp(data, "{\"body\":", 8) != 0) return 0;
    e.p += 8;
    off[0] = 8;
    if (!value(&e, 1)) return 0;
    off[1] = e.p - data;
    if (e.end - e.p < 11 || memcmp(e.p, ",\"header\":{", 11) != 0) return 0;
    e.p += 10;
    off[2] = e.p - data;
    if (!value(&e, 1)) return 0;
    off[3] = e.p - data;
    if (e.end - e.p < 8 || memcmp(e.p, ",\"sig\":\"", 8) != 0) return 0;
    e.p += 7;
    if (!string(&e, NULL, 0, NULL)) return 0;
    return e.end - e.p == 1 && *e.p == '}';
}

static PyObject *check(PyObject *self, PyObject *arg) {
    (void)self;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0) return NULL;
    const unsigned char *data = view.buf;
    Py_ssize_t off[4];
    PyObject *result;
    if (entry_shape(data, view.len, off)) {
        result = Py_BuildValue("(nnnn)", off[0], off[1], off[2], off[3]);
    } else {
        Cursor c = { data, data + view.len };
        if (value(&c, 0) && c.p == c.end) {
            result = PyTuple_New(0);
        } else {
            result = Py_None;
            Py_INCREF(result);
        }
    }
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"check", check, METH_O, "Offsets of body and header if canonical, () if canonical, else None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "_jcs", NULL, -1, methods };

PyMODINIT_FUNC PyInit__jcs(void) {
    init_classes();
    return PyModule_Create(&module);
}
