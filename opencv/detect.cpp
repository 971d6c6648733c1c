// The C++ side of package opencv: YOLOX-nano through cv::dnn, YuNet through
// cv::FaceDetectorYN, the HOG default people detector and MOG2 motion blobs. Every entry
// point catches C++ exceptions and returns their message: nothing thrown crosses into Go.
#include "detect.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/video/background_segm.hpp>

namespace {

char *dup(const std::string &s) {
	char *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (p) std::memcpy(p, s.c_str(), s.size() + 1);
	return p;
}

int fail(char **err, const std::string &msg) {
	*err = dup(msg);
	return -1;
}

// out copies boxes into a malloc'ed array (NULL when there are none).
int out(const std::vector<cvc_box> &v, cvc_box **boxes, int *n, char **err) {
	*boxes = nullptr;
	*n = 0;
	if (v.empty()) return 0;
	cvc_box *p = static_cast<cvc_box *>(std::malloc(v.size() * sizeof(cvc_box)));
	if (!p) return fail(err, "out of memory");
	std::memcpy(p, v.data(), v.size() * sizeof(cvc_box));
	*boxes = p;
	*n = static_cast<int>(v.size());
	return 0;
}

// frame wraps the caller's pixels without copying; it must not outlive the call.
cv::Mat frame(const uint8_t *bgr, int width, int height) {
	return cv::Mat(height, width, CV_8UC3, const_cast<uint8_t *>(bgr));
}

#define GUARD_BEGIN try {
#define GUARD_END                                                    \
	}                                                                \
	catch (const cv::Exception &e) { return fail(err, e.what()); }   \
	catch (const std::exception &e) { return fail(err, e.what()); }  \
	catch (...) { return fail(err, "unknown C++ exception"); }

struct YOLOX {
	cv::dnn::Net net;
};

struct YuNet {
	cv::Ptr<cv::FaceDetectorYN> det;
	int width = 0, height = 0;
};

struct HOG {
	cv::HOGDescriptor hog;
};

struct MOG2 {
	cv::Ptr<cv::BackgroundSubtractorMOG2> sub;
};

} // namespace

extern "C" {

int cvc_yolox_new(const char *model, size_t len, void **outp, char **err) {
	GUARD_BEGIN
	*outp = nullptr;
	YOLOX *y = new YOLOX();
	try {
		y->net = cv::dnn::readNetFromONNX(model, len);
		if (y->net.empty()) {
			delete y;
			return fail(err, "the network is empty");
		}
		y->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
		y->net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
	} catch (...) {
		delete y;
		throw;
	}
	*outp = y;
	return 0;
	GUARD_END
}

int cvc_yolox_detect(void *h, const uint8_t *bgr, int width, int height, int input,
	float score, float nms, int klass, cvc_box **boxes, int *n, char **err) {
	GUARD_BEGIN
	YOLOX *y = static_cast<YOLOX *>(h);
	cv::Mat img = frame(bgr, width, height);
	// Letterbox: scale to fit input×input keeping the aspect, pad right and bottom with 114.
	double r = std::min(double(input) / width, double(input) / height);
	int rw = std::max(1, int(std::lround(width * r)));
	int rh = std::max(1, int(std::lround(height * r)));
	cv::Mat padded(input, input, CV_8UC3, cv::Scalar(114, 114, 114));
	cv::Mat resized;
	cv::resize(img, resized, cv::Size(rw, rh), 0, 0, cv::INTER_LINEAR);
	resized.copyTo(padded(cv::Rect(0, 0, rw, rh)));
	cv::Mat blob = cv::dnn::blobFromImage(padded, 1.0, cv::Size(), cv::Scalar(), false, false, CV_32F);
	y->net.setInput(blob);
	cv::Mat o = y->net.forward();
	// 1×N×(5+classes): (cx, cy, w, h) on the grids of strides 8, 16, 32, objectness, classes.
	if (o.dims != 3 || o.size[0] != 1 || o.size[2] < 5 + klass + 1)
		return fail(err, "unexpected output shape (want 1×N×85)");
	int rows = o.size[1], cols = o.size[2];
	const int strides[3] = {8, 16, 32};
	int expect = 0;
	for (int s : strides) expect += (input / s) * (input / s);
	if (rows != expect)
		return fail(err, "unexpected number of outputs " + std::to_string(rows) +
			" (want " + std::to_string(expect) + " for input " + std::to_string(input) + ")");
	const float *p = o.ptr<float>(0);
	std::vector<cv::Rect2d> rects;
	std::vector<float> scores;
	int i = 0;
	for (int s : strides) {
		int g = input / s;
		for (int gy = 0; gy < g; gy++) {
			for (int gx = 0; gx < g; gx++, i++) {
				const float *row = p + size_t(i) * cols;
				float sc = row[4] * row[5 + klass];
				if (sc < score) continue;
				float cx = (row[0] + gx) * s, cy = (row[1] + gy) * s;
				float w = std::exp(row[2]) * s, hh = std::exp(row[3]) * s;
				double x0 = (cx - w / 2) / r, y0 = (cy - hh / 2) / r;
				double x1 = (cx + w / 2) / r, y1 = (cy + hh / 2) / r;
				x0 = std::max(0.0, x0), y0 = std::max(0.0, y0);
				x1 = std::min(double(width), x1), y1 = std::min(double(height), y1);
				if (x1 <= x0 || y1 <= y0) continue;
				rects.emplace_back(x0, y0, x1 - x0, y1 - y0);
				scores.push_back(sc);
			}
		}
	}
	std::vector<int> keep;
	cv::dnn::NMSBoxes(rects, scores, score, nms, keep);
	std::vector<cvc_box> v;
	v.reserve(keep.size());
	for (int k : keep) {
		const cv::Rect2d &b = rects[k];
		v.push_back({float(b.x), float(b.y), float(b.width), float(b.height), scores[k]});
	}
	return out(v, boxes, n, err);
	GUARD_END
}

void cvc_yolox_free(void *h) { delete static_cast<YOLOX *>(h); }

int cvc_yunet_new(const char *path, void **outp, char **err) {
	GUARD_BEGIN
	*outp = nullptr;
	YuNet *y = new YuNet();
	try {
		y->det = cv::FaceDetectorYN::create(path, "", cv::Size(320, 320), 0.6f, 0.3f, 5000);
		if (y->det.empty()) {
			delete y;
			return fail(err, "FaceDetectorYN::create returned nothing");
		}
		y->width = 320, y->height = 320;
	} catch (...) {
		delete y;
		throw;
	}
	*outp = y;
	return 0;
	GUARD_END
}

int cvc_yunet_detect(void *h, const uint8_t *bgr, int width, int height, float score,
	float nms, cvc_box **boxes, int *n, char **err) {
	GUARD_BEGIN
	YuNet *y = static_cast<YuNet *>(h);
	if (y->width != width || y->height != height) {
		y->det->setInputSize(cv::Size(width, height));
		y->width = width, y->height = height;
	}
	y->det->setScoreThreshold(score);
	y->det->setNMSThreshold(nms);
	cv::Mat faces;
	y->det->detect(frame(bgr, width, height), faces);
	std::vector<cvc_box> v;
	for (int i = 0; i < faces.rows; i++) {
		const float *f = faces.ptr<float>(i);
		// x, y, w, h, five landmarks (x, y), score.
		v.push_back({f[0], f[1], f[2], f[3], f[14]});
	}
	return out(v, boxes, n, err);
	GUARD_END
}

void cvc_yunet_free(void *h) { delete static_cast<YuNet *>(h); }

int cvc_hog_new(void **outp, char **err) {
	GUARD_BEGIN
	*outp = nullptr;
	HOG *g = new HOG();
	g->hog.setSVMDetector(cv::HOGDescriptor::getDefaultPeopleDetector());
	*outp = g;
	return 0;
	GUARD_END
}

int cvc_hog_detect(void *h, const uint8_t *bgr, int width, int height, double scale,
	double hit, double upscale, cvc_box **boxes, int *n, char **err) {
	GUARD_BEGIN
	HOG *g = static_cast<HOG *>(h);
	cv::Mat img = frame(bgr, width, height);
	cv::Mat in = img;
	if (upscale > 1.0) cv::resize(img, in, cv::Size(), upscale, upscale, cv::INTER_LINEAR);
	else upscale = 1.0;
	std::vector<cv::Rect> found;
	std::vector<double> weights;
	g->hog.detectMultiScale(in, found, weights, hit, cv::Size(8, 8), cv::Size(), scale, 2.0, false);
	std::vector<cvc_box> v;
	for (size_t i = 0; i < found.size(); i++) {
		const cv::Rect &b = found[i];
		double x0 = std::max(0.0, b.x / upscale), y0 = std::max(0.0, b.y / upscale);
		double x1 = std::min(double(width), (b.x + b.width) / upscale);
		double y1 = std::min(double(height), (b.y + b.height) / upscale);
		if (x1 <= x0 || y1 <= y0) continue;
		float w = i < weights.size() ? float(weights[i]) : 0.f;
		v.push_back({float(x0), float(y0), float(x1 - x0), float(y1 - y0), w});
	}
	return out(v, boxes, n, err);
	GUARD_END
}

void cvc_hog_free(void *h) { delete static_cast<HOG *>(h); }

int cvc_mog2_new(int history, double var, void **outp, char **err) {
	GUARD_BEGIN
	*outp = nullptr;
	MOG2 *m = new MOG2();
	m->sub = cv::createBackgroundSubtractorMOG2(history, var, true);
	*outp = m;
	return 0;
	GUARD_END
}

int cvc_mog2_apply(void *h, const uint8_t *bgr, int width, int height, double min_area,
	int dilate, cvc_box **boxes, int *n, char **err) {
	GUARD_BEGIN
	MOG2 *m = static_cast<MOG2 *>(h);
	cv::Mat mask;
	m->sub->apply(frame(bgr, width, height), mask);
	// Shadows are 127: keep only foreground (255), clean specks, join a person's parts.
	cv::threshold(mask, mask, 200, 255, cv::THRESH_BINARY);
	cv::morphologyEx(mask, mask, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(3, 3)));
	if (dilate > 0) {
		cv::dilate(mask, mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(2 * dilate + 1, 2 * dilate + 1)));
	}
	std::vector<std::vector<cv::Point>> contours;
	cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
	std::vector<cvc_box> v;
	for (const auto &c : contours) {
		cv::Rect b = cv::boundingRect(c);
		if (double(b.width) * b.height < min_area) continue;
		v.push_back({float(b.x), float(b.y), float(b.width), float(b.height), 0.f});
	}
	return out(v, boxes, n, err);
	GUARD_END
}

void cvc_mog2_free(void *h) { delete static_cast<MOG2 *>(h); }

const char *cvc_version(void) { return CV_VERSION; }

void cvc_quiet(void) {
	// Failures come back as the exceptions' messages: OpenCV's own log would only repeat
	// them on standard error.
	cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_FATAL);
}

} // extern "C"
