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
/* base64url digit values, -1 for other bytes */
static signed char b64url[256];

static void init_classes(void) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int b = 0; b < 256; b++) {
        string_class[b] = b < 0x20 ? 3 : b == '"' ? 1 : b == '\\' ? 2 : b < 0x80 ? 0 : 4;
        b64url[b] = -1;
    }
    for (int i = 0; i < 64; i++) b64url[(unsigned char)alphabet[i]] = (signed char)i;
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

/* ---- The header of an entry: the fixed pattern of SPEC.md §5, rules H1-H9 ---- */

static int expect(Cursor *c, const char *text) {
    size_t n = strlen(text);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, text, n) != 0) return 0;
    c->p += n;
    return 1;
}

/* Canonical unpadded base64url of exactly out_len bytes: the unused bits must be zero. */
static int b64url_decode(const unsigned char *s, Py_ssize_t len, unsigned char *out,
                         Py_ssize_t out_len) {
    uint32_t bits = 0;
    int nbits = 0;
    Py_ssize_t k = 0;
    if (len != (out_len * 8 + 5) / 6) return 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        int v = b64url[s[i]];
        if (v < 0) return 0;
        bits = (bits << 6) | (uint32_t)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            out[k++] = (unsigned char)(bits >> nbits);
            bits &= (1u << nbits) - 1;
        }
    }
    return k == out_len && bits == 0;
}

/* "sha256-" + 43 characters, decoded into out. */
static int hash_ref(Cursor *c, unsigned char out[32]) {
    if (!expect(c, "\"sha256-") || c->end - c->p < 44 || c->p[43] != '"') return 0;
    if (!b64url_decode(c->p, 43, out, 32)) return 0;
    c->p += 44;
    return 1;
}

/* A quoted run of bytes of one class, from min to max long. kind: 'c' col, 'r' rid, 'a'
 * author (anything but quote and backslash; the did itself is checked by the caller). */
static int token(Cursor *c, char kind, Py_ssize_t min, Py_ssize_t max) {
    if (c->p >= c->end || *c->p != '"') return 0;
    const unsigned char *start = ++c->p;
    while (c->p < c->end && *c->p != '"') {
        unsigned char b = *c->p;
        int ok;
        if (kind == 'c')
            ok = (b >= 'a' && b <= 'z') || (c->p > start && ((b >= '0' && b <= '9') || b == '.' || b == '-'));
        else if (kind == 'r')
            ok = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || b == '.' || b == '_' || b == ':' || b == '-';
        else
            ok = b != '\\';
        if (!ok) return 0;
        c->p++;
    }
    Py_ssize_t n = c->p - start;
    if (c->p >= c->end || n < min || n > max) return 0;
    c->p++;
    return 1;
}

static int digits(Cursor *c, int n, int *value) {
    if (c->end - c->p < n) return 0;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9') return 0;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *value = v;
    return 1;
}

/* "YYYY-MM-DDTHH:MM:SSZ", a real calendar day (proleptic Gregorian, year 0 included). */
static int timestamp(Cursor *c) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, se;
    if (!expect(c, "\"") || !digits(c, 4, &y) || !expect(c, "-") || !digits(c, 2, &mo)
        || !expect(c, "-") || !digits(c, 2, &d) || !expect(c, "T") || !digits(c, 2, &h)
        || !expect(c, ":") || !digits(c, 2, &mi) || !expect(c, ":") || !digits(c, 2, &se)
        || !expect(c, "Z\""))
        return 0;
    if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[mo - 1] + (mo == 2 && leap);
}

/* The header bytes [p, end) against the pattern. Fills the body hash (put) and whether the
 * entry is a put. */
static int header(Cursor *c, unsigned char body_hash[32], int *put) {
    if (!expect(c, "{\"author\":") || !token(c, 'a', 1, 200)) return 0;
    if (!expect(c, ",\"body_hash\":")) return 0;
    int has_hash = 0;
    if (expect(c, "null")) has_hash = 0;
    else if (hash_ref(c, body_hash)) has_hash = 1;
    else return 0;
    if (!expect(c, ",\"col\":") || !token(c, 'c', 1, 32)) return 0;
    if (expect(c, ",\"op\":\"put\"")) *put = 1;
    else if (expect(c, ",\"op\":\"del\"")) *put = 0;
    else return 0;
    if (has_hash != *put) return 0; /* H9: a put has a body hash, a del none */
    unsigned char prev[32];
    int has_prev;
    if (!expect(c, ",\"prev\":")) return 0;
    if (expect(c, "null")) has_prev = 0;
    else if (hash_ref(c, prev)) has_prev = 1;
    else return 0;
    if (!expect(c, ",\"rid\":") || !token(c, 'r', 1, 128)) return 0;
    if (!expect(c, ",\"seq\":")) return 0;
    if (c->p >= c->end || *c->p < '1' || *c->p > '9') return 0;
    int seq_is_one = *c->p == '1';
    c->p++;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') { seq_is_one = 0; c->p++; }
    if (has_prev == seq_is_one) return 0; /* H4: prev is null exactly when seq is 1 */
    if (!expect(c, ",\"ts\":") || !timestamp(c)) return 0;
    return expect(c, ",\"v\":1}") && c->p == c->end;
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

/* entry(line) -> None, or (body_end, header_start, header_end, signature, body_hash) for a
 * canonical entry line whose header matches the pattern, whose body is an object (a put) or
 * null, and whose sig is 86 characters of canonical base64url. signature is the 64 decoded
 * bytes, body_hash the 32 bytes of the body hash when there is a body to check, else None. The author's did, the body
 * hash and the signature themselves are left to the caller. */
static PyObject *entry(PyObject *self, PyObject *arg) {
    (void)self;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0) return NULL;
    const unsigned char *data = view.buf;
    Py_ssize_t n = view.len, off[4];
    unsigned char body_hash[32], signature[64];
    int put = 0;
    PyObject *result = NULL;
    if (entry_shape(data, n, off)) {
        Cursor h = { data + off[2], data + off[3] };
        int body_null = off[1] - off[0] == 4 && data[off[0]] == 'n';
        int ok = header(&h, body_hash, &put)
            && (body_null || (data[off[0]] == '{' && put))
            && n - off[3] == 8 + 86 + 2
            && b64url_decode(data + off[3] + 8, 86, signature, 64);
        if (ok) {
            result = Py_BuildValue("(nnny#y#)", off[1], off[2], off[3], (const char *)signature,
                                   (Py_ssize_t)64, body_null ? NULL : (const char *)body_hash,
                                   (Py_ssize_t)32);
        }
    }
    PyBuffer_Release(&view);
    if (result == NULL && !PyErr_Occurred()) {
        result = Py_None;
        Py_INCREF(result);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"entry", entry, METH_O, "Offsets, signature and body hash of an ordinary entry line, else None."},
    {"check", check, METH_O, "Offsets of body and header if canonical, () if canonical, else None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = { PyModuleDef_HEAD_INIT, "_jcs", NULL, -1, methods };

PyMODINIT_FUNC PyInit__jcs(void) {
    init_classes();
    return PyModule_Create(&module);
}
