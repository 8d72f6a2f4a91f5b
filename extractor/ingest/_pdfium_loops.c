/* The pdfium reader's per-character, per-object and per-segment work on a page, in C loops.
 *
 * Through ctypes each call into pdfium costs ~0.4 us of argument conversion, and reading a
 * character takes six of them. These loops make the same calls, to the same functions (their
 * addresses come from pypdfium2's own bindings), for a whole page, into buffers the caller
 * owns: char_calls (characters), object_calls (a page's or form's objects), path_calls and
 * path_segments (paths). char_boxes then works the characters' boxes out as
 * char_boxes.char_dicts does in Python: the same double operations in the same order (built
 * with -ffp-contract=off), so both paths give the same bits, as the tests check.
 *
 * Built when the package is installed where a C compiler is found (setup.py, optional); without
 * it the reader makes every call through ctypes and does the arithmetic in Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

typedef void *(*text_object_fn)(void *, int);
typedef int (*loose_box_fn)(void *, int, float *);
typedef int (*origin_fn)(void *, int, double *, double *);
typedef int (*char_box_fn)(void *, int, double *, double *, double *, double *);
typedef int (*matrix_fn)(void *, int, float *);
typedef double (*font_size_fn)(void *, int);

static int holds(Py_buffer *view, Py_ssize_t bytes, const char *what) {
    if (view->len < bytes) {
        PyErr_Format(PyExc_ValueError, "%s buffer holds %zd bytes, %zd needed", what, view->len, bytes);
        return 0;
    }
    return 1;
}

/* char_calls(functions, text_page, n, objects, loose, origins, ink, matrices, sizes)
 * functions: addresses of FPDFText_GetTextObject, _GetLooseCharBox, _GetCharOrigin,
 * _GetCharBox, _GetMatrix, _GetFontSize. For each character i < n: its text object (uint64),
 * loose box (4 floats: left, top, right, bottom), origin (2 doubles), ink box (4 doubles: left,
 * right, bottom, top), matrix (6 floats) and font size (double). */
static PyObject *char_calls(PyObject *self, PyObject *args) {
    unsigned long long f[6];
    unsigned long long page;
    int n;
    Py_buffer objects, loose, origins, ink, matrices, sizes;
    if (!PyArg_ParseTuple(args, "(KKKKKK)Kiw*w*w*w*w*w*", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &page, &n,
                          &objects, &loose, &origins, &ink, &matrices, &sizes))
        return NULL;
    PyObject *result = NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative character count");
        goto done;
    }
    if (!holds(&objects, (Py_ssize_t)n * 8, "objects") || !holds(&loose, (Py_ssize_t)n * 16, "loose") ||
        !holds(&origins, (Py_ssize_t)n * 16, "origins") || !holds(&ink, (Py_ssize_t)n * 32, "ink") ||
        !holds(&matrices, (Py_ssize_t)n * 24, "matrices") || !holds(&sizes, (Py_ssize_t)n * 8, "sizes"))
        goto done;
    {
        text_object_fn text_object = (text_object_fn)(uintptr_t)f[0];
        loose_box_fn loose_box = (loose_box_fn)(uintptr_t)f[1];
        origin_fn origin = (origin_fn)(uintptr_t)f[2];
        char_box_fn char_box = (char_box_fn)(uintptr_t)f[3];
        matrix_fn matrix = (matrix_fn)(uintptr_t)f[4];
        font_size_fn font_size = (font_size_fn)(uintptr_t)f[5];
        void *tp = (void *)(uintptr_t)page;
        uint64_t *obj = (uint64_t *)objects.buf;
        float *lb = (float *)loose.buf, *mx = (float *)matrices.buf;
        double *org = (double *)origins.buf, *box = (double *)ink.buf, *size = (double *)sizes.buf;
        for (int i = 0; i < n; i++) {
            obj[i] = (uint64_t)(uintptr_t)text_object(tp, i);
            loose_box(tp, i, lb + 4 * (Py_ssize_t)i);
            origin(tp, i, org + 2 * (Py_ssize_t)i, org + 2 * (Py_ssize_t)i + 1);
            double *b = box + 4 * (Py_ssize_t)i;
            char_box(tp, i, b, b + 1, b + 2, b + 3);
            matrix(tp, i, mx + 6 * (Py_ssize_t)i);
            size[i] = font_size(tp, i);
        }
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&objects);
    PyBuffer_Release(&loose);
    PyBuffer_Release(&origins);
    PyBuffer_Release(&ink);
    PyBuffer_Release(&matrices);
    PyBuffer_Release(&sizes);
    return result;
}

typedef int (*count_fn)(void *);
typedef int (*draw_mode_fn)(void *, int *, int *);
typedef void *(*segment_fn)(void *, int);
typedef int (*segment_type_fn)(void *);
typedef int (*segment_point_fn)(void *, float *, float *);
typedef int (*segment_close_fn)(void *);

/* path_calls(functions, paths, n, counts, modes) and then
 * path_segments(functions, paths, n, counts, kinds, points, closes)
 * functions: FPDFPath_CountSegments, FPDFPath_GetDrawMode; then FPDFPath_GetPathSegment,
 * FPDFPathSegment_GetType, _GetPoint, _GetClose. For each path (uint64 handles): its segment
 * count and draw mode (fill mode, stroke: 2 int32); then for each of its segments, in order, the
 * segment's type (int32), point (2 floats) and close flag (int32). As the ctypes path reuses one
 * pair of out-parameters, a call that fails leaves the previous values. */
static PyObject *path_calls(PyObject *self, PyObject *args) {
    unsigned long long f[2];
    int n;
    Py_buffer paths, counts, modes;
    if (!PyArg_ParseTuple(args, "(KK)iw*w*w*", &f[0], &f[1], &n, &paths, &counts, &modes)) return NULL;
    PyObject *result = NULL;
    if (n < 0 || !holds(&paths, (Py_ssize_t)n * 8, "paths") || !holds(&counts, (Py_ssize_t)n * 4, "counts") ||
        !holds(&modes, (Py_ssize_t)n * 8, "modes")) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "negative path count");
        goto done;
    }
    {
        count_fn count = (count_fn)(uintptr_t)f[0];
        draw_mode_fn draw_mode = (draw_mode_fn)(uintptr_t)f[1];
        uint64_t *path = (uint64_t *)paths.buf;
        int32_t *cnt = (int32_t *)counts.buf, *mode = (int32_t *)modes.buf;
        int fill = 0, stroke = 0;
        for (int i = 0; i < n; i++) {
            void *p = (void *)(uintptr_t)path[i];
            cnt[i] = count(p);
            draw_mode(p, &fill, &stroke);
            mode[2 * i] = fill;
            mode[2 * i + 1] = stroke;
        }
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&paths);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&modes);
    return result;
}

static PyObject *path_segments(PyObject *self, PyObject *args) {
    unsigned long long f[4];
    int n;
    Py_buffer paths, counts, kinds, points, closes;
    if (!PyArg_ParseTuple(args, "(KKKK)iw*w*w*w*w*", &f[0], &f[1], &f[2], &f[3], &n, &paths, &counts, &kinds, &points,
                          &closes))
        return NULL;
    PyObject *result = NULL;
    Py_ssize_t total = 0;
    if (n < 0 || !holds(&paths, (Py_ssize_t)n * 8, "paths") || !holds(&counts, (Py_ssize_t)n * 4, "counts")) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "negative path count");
        goto done;
    }
    for (int i = 0; i < n; i++) {
        int32_t c = ((int32_t *)counts.buf)[i];
        total += c > 0 ? c : 0;
    }
    if (!holds(&kinds, total * 4, "kinds") || !holds(&points, total * 8, "points") ||
        !holds(&closes, total * 4, "closes"))
        goto done;
    {
        segment_fn segment = (segment_fn)(uintptr_t)f[0];
        segment_type_fn kind_of = (segment_type_fn)(uintptr_t)f[1];
        segment_point_fn point = (segment_point_fn)(uintptr_t)f[2];
        segment_close_fn close = (segment_close_fn)(uintptr_t)f[3];
        uint64_t *path = (uint64_t *)paths.buf;
        int32_t *cnt = (int32_t *)counts.buf, *kind = (int32_t *)kinds.buf, *shut = (int32_t *)closes.buf;
        float *pt = (float *)points.buf;
        float x = 0, y = 0;
        Py_ssize_t k = 0;
        for (int i = 0; i < n; i++) {
            void *p = (void *)(uintptr_t)path[i];
            for (int j = 0; j < cnt[i]; j++, k++) {
                void *seg = segment(p, j);
                kind[k] = kind_of(seg);
                point(seg, &x, &y);
                pt[2 * k] = x;
                pt[2 * k + 1] = y;
                shut[k] = close(seg);
            }
        }
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&paths);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&kinds);
    PyBuffer_Release(&points);
    PyBuffer_Release(&closes);
    return result;
}

typedef void *(*object_fn)(void *, int);
typedef int (*object_type_fn)(void *);
typedef void *(*object_font_fn)(void *);
typedef int (*bounds_fn)(void *, float *, float *, float *, float *);
typedef int (*object_matrix_fn)(void *, float *);

/* object_calls(functions, owner, n, objects, kinds, fonts, bounds, matrices)
 * functions: the owner's object getter (FPDFPage_GetObject or FPDFFormObj_GetObject), then
 * FPDFPageObj_GetType, FPDFTextObj_GetFont, FPDFPageObj_GetBounds, FPDFPageObj_GetMatrix.
 * For each of the owner's n objects: its handle (uint64), type (int32); a text object's font
 * (uint64, else 0) and bounds (4 floats: left, bottom, right, top); a text, path or form
 * object's matrix (6 floats). As the ctypes path reuses one set of out-parameters, a call that
 * fails leaves the previous values. */
static PyObject *object_calls(PyObject *self, PyObject *args) {
    unsigned long long f[5];
    unsigned long long owner;
    int n;
    Py_buffer objects, kinds, fonts, bounds, matrices;
    if (!PyArg_ParseTuple(args, "(KKKKK)Kiw*w*w*w*w*", &f[0], &f[1], &f[2], &f[3], &f[4], &owner, &n, &objects, &kinds,
                          &fonts, &bounds, &matrices))
        return NULL;
    PyObject *result = NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "negative object count");
        goto done;
    }
    if (!holds(&objects, (Py_ssize_t)n * 8, "objects") || !holds(&kinds, (Py_ssize_t)n * 4, "kinds") ||
        !holds(&fonts, (Py_ssize_t)n * 8, "fonts") || !holds(&bounds, (Py_ssize_t)n * 16, "bounds") ||
        !holds(&matrices, (Py_ssize_t)n * 24, "matrices"))
        goto done;
    {
        object_fn get = (object_fn)(uintptr_t)f[0];
        object_type_fn type_of = (object_type_fn)(uintptr_t)f[1];
        object_font_fn font_of = (object_font_fn)(uintptr_t)f[2];
        bounds_fn get_bounds = (bounds_fn)(uintptr_t)f[3];
        object_matrix_fn get_matrix = (object_matrix_fn)(uintptr_t)f[4];
        void *own = (void *)(uintptr_t)owner;
        uint64_t *obj = (uint64_t *)objects.buf, *font = (uint64_t *)fonts.buf;
        int32_t *kind = (int32_t *)kinds.buf;
        float *box = (float *)bounds.buf, *mx = (float *)matrices.buf;
        float b[4] = {0, 0, 0, 0}, m[6] = {0, 0, 0, 0, 0, 0};
        for (int i = 0; i < n; i++) {
            void *o = get(own, i);
            int k = type_of(o);
            obj[i] = (uint64_t)(uintptr_t)o;
            kind[i] = k;
            font[i] = 0;
            if (k == 1) { /* FPDF_PAGEOBJ_TEXT */
                font[i] = (uint64_t)(uintptr_t)font_of(o);
                get_bounds(o, b, b + 1, b + 2, b + 3);
            }
            if (k == 1 || k == 2 || k == 5) /* text, path, form */
                get_matrix(o, m);
            memcpy(box + 4 * (Py_ssize_t)i, b, sizeof b);
            memcpy(mx + 6 * (Py_ssize_t)i, m, sizeof m);
        }
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&objects);
    PyBuffer_Release(&kinds);
    PyBuffer_Release(&fonts);
    PyBuffer_Release(&bounds);
    PyBuffer_Release(&matrices);
    return result;
}


typedef int (*glyph_width_fn)(void *, uint32_t, float, float *);

/* pdfium_page.round3: the integer nearest to v * 1000, over 1000, where that is round(v, 3);
 * 0 where Python must round (next to a tie, zero, not finite), as round3 hands those over. */
static int round3(double v, double *out) {
    double t = v * 1000.0;
    if (t > -1e12 && t < 1e12) {
        double n = floor(t + 0.5);
        double frac = t - n;
        if (n != 0 && frac > -0.4999 && frac < 0.4999) {
            *out = n / 1000.0;
            return 1;
        }
    }
    return 0;
}

/* char_boxes(glyph_width, kept, style_of, codes, styles, axes, fonts, loose, origins, ink,
 *            rotation, height, out, exact)
 * The boxes of the kept characters, as char_boxes.char_dicts works them out one by one (the
 * same double operations in the same order; built with -ffp-contract=off, so no multiply-add
 * is fused). kept: int32 indexes into the page's characters; style_of: int32 index into the
 * text-object styles; codes: uint32 code points of the page's characters; styles: 8 doubles a
 * style (a, b, c, d, low, high, scale, font size); axes: int32 (0 skewed, 1 +x, 2 -x, 3 +y,
 * 4 -y); fonts: uint64 font handles; loose, origins, ink: char_calls' buffers; rotation: the
 * page's 6 numbers. out: 5 doubles a kept character (x0, x1, top, bottom, size), rounded where
 * exact (int32, 5 a character) is 1 and unrounded where it is 0 (Python rounds those). */
static PyObject *char_boxes(PyObject *self, PyObject *args) {
    unsigned long long f_glyph_width;
    int m;
    Py_buffer kept, style_of, codes, styles, axes, fonts, loose, origins, ink, out, exact;
    double ra, rb, rc, rd, rx, ry, height;
    if (!PyArg_ParseTuple(args, "Kiy*y*y*y*y*y*y*y*y*(dddddd)dw*w*", &f_glyph_width, &m, &kept, &style_of, &codes, &styles,
                          &axes, &fonts, &loose, &origins, &ink, &ra, &rb, &rc, &rd, &rx, &ry, &height, &out, &exact))
        return NULL;
    PyObject *result = NULL;
    if (m < 0 || !holds(&kept, (Py_ssize_t)m * 4, "kept") || !holds(&style_of, (Py_ssize_t)m * 4, "style_of") ||
        !holds(&out, (Py_ssize_t)m * 40, "out") || !holds(&exact, (Py_ssize_t)m * 20, "exact")) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "negative character count");
        goto done;
    }
    {
        glyph_width_fn glyph_width = (glyph_width_fn)(uintptr_t)f_glyph_width;
        const int32_t *at = (const int32_t *)kept.buf, *style = (const int32_t *)style_of.buf;
        const int32_t *axis_of = (const int32_t *)axes.buf;
        const uint32_t *code = (const uint32_t *)codes.buf;
        const uint64_t *font = (const uint64_t *)fonts.buf;
        const double *st = (const double *)styles.buf, *org = (const double *)origins.buf, *inks = (const double *)ink.buf;
        const float *lb = (const float *)loose.buf;
        double *o = (double *)out.buf;
        int32_t *ex = (int32_t *)exact.buf;
        Py_ssize_t n_chars = codes.len / 4, n_styles = axes.len / 4;
        for (int j = 0; j < m; j++) {
            Py_ssize_t i = at[j], k = style[j];
            if (i < 0 || i >= n_chars || k < 0 || k >= n_styles || styles.len < (k + 1) * 64 || fonts.len < (k + 1) * 8 ||
                loose.len < (i + 1) * 16 || origins.len < (i + 1) * 16 || ink.len < (i + 1) * 32) {
                PyErr_SetString(PyExc_IndexError, "character or style out of range");
                goto done;
            }
            const double *s = st + 8 * k;
            double a = s[0], b = s[1], c = s[2], d = s[3], low = s[4], high = s[5], scale = s[6];
            double x = org[2 * i], y = org[2 * i + 1];
            double left = lb[4 * i], top = lb[4 * i + 1], right = lb[4 * i + 2], bottom = lb[4 * i + 3];
            const double *g = inks + 4 * i; /* left, right, bottom, top */
            double ux, uy, vx, vy;
            int axis = axis_of[k];
            if (axis) {
                double reach, ink_reach, adv;
                if (axis == 1) {
                    reach = right - x;
                    ink_reach = g[1] - x;
                } else if (axis == 2) {
                    reach = x - left;
                    ink_reach = x - g[0];
                } else if (axis == 3) {
                    reach = top - y;
                    ink_reach = g[3] - y;
                } else {
                    reach = y - bottom;
                    ink_reach = y - g[2];
                }
                float advance = 0;
                if (fabs(reach - ink_reach) < 0.01 &&
                    glyph_width((void *)(uintptr_t)font[k], code[i], (float)s[7], &advance))
                    adv = advance;
                else
                    adv = reach / scale;
                ux = x + c * low;
                uy = y + d * low;
                vx = x + a * adv + c * high;
                vy = y + b * adv + d * high;
            } else { /* skewed: pdfium's box */
                ux = left;
                uy = bottom;
                vx = right;
                vy = top;
            }
            double px = ra * ux + rc * uy + rx, py = rb * ux + rd * uy + ry;
            double qx = ra * vx + rc * vy + rx, qy = rb * vx + rd * vy + ry;
            double x0, x1, y0, y1;
            if (px <= qx) { x0 = px; x1 = qx; } else { x0 = qx; x1 = px; }
            if (py <= qy) { y0 = py; y1 = qy; } else { y0 = qy; y1 = py; }
            double v[5] = {x0, x1, height - y1, height - y0, y1 - y0};
            for (int q = 0; q < 5; q++) {
                double r;
                ex[5 * j + q] = round3(v[q], &r);
                o[5 * j + q] = ex[5 * j + q] ? r : v[q];
            }
        }
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&kept);
    PyBuffer_Release(&style_of);
    PyBuffer_Release(&codes);
    PyBuffer_Release(&styles);
    PyBuffer_Release(&axes);
    PyBuffer_Release(&fonts);
    PyBuffer_Release(&loose);
    PyBuffer_Release(&origins);
    PyBuffer_Release(&ink);
    PyBuffer_Release(&out);
    PyBuffer_Release(&exact);
    return result;
}

static PyMethodDef methods[] = {
    {"char_calls", char_calls, METH_VARARGS, "pdfium's per-character calls of a text page, into buffers."},
    {"path_calls", path_calls, METH_VARARGS, "Each path's segment count and draw mode, into buffers."},
    {"path_segments", path_segments, METH_VARARGS, "Each path's segments (type, point, close), into buffers."},
    {"char_boxes", char_boxes, METH_VARARGS, "The kept characters' rounded boxes, as char_boxes.char_dicts gives them."},
    {"object_calls", object_calls, METH_VARARGS, "A page's or form's objects: type, font, bounds, matrix, into buffers."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdfium_loops", NULL, -1, methods};

PyMODINIT_FUNC PyInit__pdfium_loops(void) { return PyModule_Create(&module); }
