// The extern "C" API of detect.cpp: OpenCV objects behind opaque handles. No function
// keeps a pointer it was given after it returns (the caller's pixels and model bytes are
// read during the call only); boxes and error messages are malloc'ed and freed by the
// caller (the Go side) with free().
#ifndef CUSTODIAN_OPENCV_DETECT_H
#define CUSTODIAN_OPENCV_DETECT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	float x, y, w, h; // frame pixels: the top-left corner, width and height
	float score;
} cvc_box;

// Every call that can fail returns 0 on success; on failure it returns -1 and sets *err to
// a malloc'ed message (the C++ exception's text).

int cvc_yolox_new(const char *model, size_t len, void **out, char **err);
int cvc_yolox_detect(void *h, const uint8_t *bgr, int width, int height, int input,
	float score, float nms, int klass, cvc_box **boxes, int *n, char **err);
void cvc_yolox_free(void *h);

int cvc_yunet_new(const char *path, void **out, char **err);
int cvc_yunet_detect(void *h, const uint8_t *bgr, int width, int height,
	float score, float nms, cvc_box **boxes, int *n, char **err);
void cvc_yunet_free(void *h);

int cvc_hog_new(void **out, char **err);
int cvc_hog_detect(void *h, const uint8_t *bgr, int width, int height, double scale,
	double hit, double upscale, cvc_box **boxes, int *n, char **err);
void cvc_hog_free(void *h);

int cvc_mog2_new(int history, double var, void **out, char **err);
int cvc_mog2_apply(void *h, const uint8_t *bgr, int width, int height, double min_area,
	int dilate, cvc_box **boxes, int *n, char **err);
void cvc_mog2_free(void *h);

const char *cvc_version(void);
void cvc_quiet(void);

#ifdef __cplusplus
}
#endif

#endif
