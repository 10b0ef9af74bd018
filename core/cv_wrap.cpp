// The OpenCV wrapper (see cv_wrap.h). Every OpenCV call is inside a try block: an exception
// must never cross into C.
#include "cv_wrap.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <opencv2/videoio.hpp>

namespace
{

void set_error(char *err, size_t err_size, const char *what)
{
    if (err && err_size)
        std::snprintf(err, err_size, "%s", what);
}

// Drawing uses fixed-point coordinates with this many fractional bits (1/16 pixel).
constexpr int kShift = 4;
constexpr double kScale = 1 << kShift;

cv::Point fixed_point(double x, double y)
{
    return cv::Point(cvRound(x * kScale), cvRound(y * kScale));
}

cv::Scalar scalar_of(const uint8_t *color, int channels)
{
    if (channels == 1)
        return cv::Scalar(color[0]);
    return cv::Scalar(color[0], color[1], color[2]);
}

bool valid_layout(int width, int height, int channels)
{
    return width > 0 && height > 0 && (channels == 1 || channels == 3);
}

cv::Mat wrap(uint8_t *pixels, int width, int height, int channels)
{
    return cv::Mat(height, width, channels == 1 ? CV_8UC1 : CV_8UC3, pixels);
}

std::vector<cv::Point> fixed_points(const double *xy, int n)
{
    std::vector<cv::Point> pts;
    pts.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; i++)
        pts.push_back(fixed_point(xy[2 * i], xy[2 * i + 1]));
    return pts;
}

// Runs f, turning any exception into -1 and a message.
template <typename F> int guarded(char *err, size_t err_size, F f)
{
    try {
        return f();
    } catch (const cv::Exception &e) {
        set_error(err, err_size, e.what());
    } catch (const std::exception &e) {
        set_error(err, err_size, e.what());
    }
    return -1;
}

} // namespace

struct ktpel_cv_cascade {
    cv::CascadeClassifier classifier;
};

extern "C" int ktpel_cv_decode(const uint8_t *buf, size_t len, int channels, int *width,
                               int *height, uint8_t **pixels, char *err, size_t err_size)
{
    *pixels = nullptr;
    if (len == 0 || len > static_cast<size_t>(INT32_MAX)) {
        set_error(err, err_size, "empty or oversized buffer");
        return -1;
    }
    try {
        cv::Mat raw(1, static_cast<int>(len), CV_8UC1, const_cast<uint8_t *>(buf));
        int flags = channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR;
        cv::Mat img = cv::imdecode(raw, flags);
        if (img.empty()) {
            set_error(err, err_size, "OpenCV could not decode the image");
            return -1;
        }
        if (channels == 3)
            cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
        if (!img.isContinuous())
            img = img.clone();
        size_t bytes = img.total() * img.elemSize();
        auto *out = static_cast<uint8_t *>(std::malloc(bytes ? bytes : 1));
        if (!out) {
            set_error(err, err_size, "out of memory");
            return -1;
        }
        std::memcpy(out, img.data, bytes);
        *width = img.cols;
        *height = img.rows;
        *pixels = out;
        return 0;
    } catch (const cv::Exception &e) {
        set_error(err, err_size, e.what());
    } catch (const std::exception &e) {
        set_error(err, err_size, e.what());
    }
    return -1;
}

extern "C" int ktpel_cv_encode(const uint8_t *pixels, int width, int height, int channels,
                               const char *ext, int dpi, uint8_t **out, size_t *out_len, char *err,
                               size_t err_size)
{
    *out = nullptr;
    *out_len = 0;
    try {
        cv::Mat img(height, width, channels == 1 ? CV_8UC1 : CV_8UC3,
                    const_cast<uint8_t *>(pixels));
        cv::Mat bgr;
        if (channels == 3)
            cv::cvtColor(img, bgr, cv::COLOR_RGB2BGR);
        else
            bgr = img;
        std::vector<int> params;
        if (dpi > 0 && (std::strcmp(ext, ".tif") == 0 || std::strcmp(ext, ".tiff") == 0)) {
            params = {cv::IMWRITE_TIFF_RESUNIT, 2,  cv::IMWRITE_TIFF_XDPI, dpi,
                      cv::IMWRITE_TIFF_YDPI,    dpi};
        }
        std::vector<uchar> encoded;
        if (!cv::imencode(ext, bgr, encoded, params)) {
            set_error(err, err_size, "OpenCV could not encode the image");
            return -1;
        }
        auto *buf = static_cast<uint8_t *>(std::malloc(encoded.size() ? encoded.size() : 1));
        if (!buf) {
            set_error(err, err_size, "out of memory");
            return -1;
        }
        std::memcpy(buf, encoded.data(), encoded.size());
        *out = buf;
        *out_len = encoded.size();
        return 0;
    } catch (const cv::Exception &e) {
        set_error(err, err_size, e.what());
    } catch (const std::exception &e) {
        set_error(err, err_size, e.what());
    }
    return -1;
}

extern "C" int ktpel_cv_ellipse(uint8_t *pixels, int width, int height, int channels, double cx,
                                double cy, double ax, double ay, double angle_deg,
                                const uint8_t *color, int thickness, char *err, size_t err_size)
{
    if (!valid_layout(width, height, channels) || ax < 0 || ay < 0) {
        set_error(err, err_size, "invalid image or ellipse");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat img = wrap(pixels, width, height, channels);
        cv::Size axes(cvRound(ax * kScale), cvRound(ay * kScale));
        cv::ellipse(img, fixed_point(cx, cy), axes, angle_deg, 0, 360, scalar_of(color, channels),
                    thickness < 0 ? cv::FILLED : thickness, cv::LINE_AA, kShift);
        return 0;
    });
}

extern "C" int ktpel_cv_fill_polygon(uint8_t *pixels, int width, int height, int channels,
                                     const double *xy, int n, const uint8_t *color, char *err,
                                     size_t err_size)
{
    if (!valid_layout(width, height, channels) || n < 3) {
        set_error(err, err_size, "invalid image or polygon with fewer than 3 points");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat img = wrap(pixels, width, height, channels);
        std::vector<std::vector<cv::Point>> polys{fixed_points(xy, n)};
        cv::fillPoly(img, polys, scalar_of(color, channels), cv::LINE_AA, kShift);
        return 0;
    });
}

extern "C" int ktpel_cv_polyline(uint8_t *pixels, int width, int height, int channels,
                                 const double *xy, int n, int closed, const uint8_t *color,
                                 int thickness, char *err, size_t err_size)
{
    if (!valid_layout(width, height, channels) || n < 2 || thickness < 1) {
        set_error(err, err_size, "invalid image, polyline of fewer than 2 points or thickness");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat img = wrap(pixels, width, height, channels);
        std::vector<std::vector<cv::Point>> lines{fixed_points(xy, n)};
        cv::polylines(img, lines, closed != 0, scalar_of(color, channels), thickness, cv::LINE_AA,
                      kShift);
        return 0;
    });
}

extern "C" int ktpel_cv_gaussian_blur(uint8_t *pixels, int width, int height, int channels,
                                      double sigma, char *err, size_t err_size)
{
    if (!valid_layout(width, height, channels) || !(sigma > 0)) {
        set_error(err, err_size, "invalid image or blur sigma");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat img = wrap(pixels, width, height, channels);
        cv::GaussianBlur(img, img, cv::Size(0, 0), sigma, sigma, cv::BORDER_REFLECT_101);
        return 0;
    });
}

extern "C" int ktpel_cv_resize(const uint8_t *src, int src_width, int src_height, int channels,
                               uint8_t *dst, int dst_width, int dst_height, char *err,
                               size_t err_size)
{
    if (!valid_layout(src_width, src_height, channels) ||
        !valid_layout(dst_width, dst_height, channels)) {
        set_error(err, err_size, "invalid image size");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat in = wrap(const_cast<uint8_t *>(src), src_width, src_height, channels);
        cv::Mat out = wrap(dst, dst_width, dst_height, channels);
        bool shrink = dst_width < src_width || dst_height < src_height;
        cv::resize(in, out, out.size(), 0, 0, shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
        return 0;
    });
}

extern "C" int ktpel_cv_cascade_load(const char *path, ktpel_cv_cascade **out, char *err,
                                     size_t err_size)
{
    *out = nullptr;
    return guarded(err, err_size, [&] {
        auto *c = new (std::nothrow) ktpel_cv_cascade;
        if (!c) {
            set_error(err, err_size, "out of memory");
            return -1;
        }
        if (!c->classifier.load(path) || c->classifier.empty()) {
            delete c;
            set_error(err, err_size, "OpenCV could not load the cascade classifier");
            return -1;
        }
        *out = c;
        return 0;
    });
}

extern "C" void ktpel_cv_cascade_free(ktpel_cv_cascade *cascade)
{
    delete cascade;
}

extern "C" int ktpel_cv_cascade_detect(ktpel_cv_cascade *cascade, const uint8_t *pixels, int width,
                                       int height, int channels, double scale_factor,
                                       int min_neighbors, int min_size, int *rects, int max,
                                       int *count, char *err, size_t err_size)
{
    *count = 0;
    if (!valid_layout(width, height, channels) || !(scale_factor > 1.0) || min_neighbors < 0) {
        set_error(err, err_size, "invalid image or detection parameters");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat img = wrap(const_cast<uint8_t *>(pixels), width, height, channels);
        cv::Mat grey;
        if (channels == 3)
            cv::cvtColor(img, grey, cv::COLOR_RGB2GRAY);
        else
            grey = img.clone();
        cv::equalizeHist(grey, grey);
        std::vector<cv::Rect> found;
        cascade->classifier.detectMultiScale(grey, found, scale_factor, min_neighbors, 0,
                                             cv::Size(min_size, min_size));
        *count = static_cast<int>(found.size());
        for (int i = 0; i < max && i < *count; i++) {
            rects[4 * i] = found[static_cast<size_t>(i)].x;
            rects[4 * i + 1] = found[static_cast<size_t>(i)].y;
            rects[4 * i + 2] = found[static_cast<size_t>(i)].width;
            rects[4 * i + 3] = found[static_cast<size_t>(i)].height;
        }
        return 0;
    });
}

struct ktpel_cv_video {
    cv::VideoCapture capture;
};

extern "C" int ktpel_cv_video_open(const char *source, int kind, int width, int height,
                                   ktpel_cv_video **out, char *err, size_t err_size)
{
    *out = nullptr;
    if (!source || !*source) {
        set_error(err, err_size, "no video source given");
        return -1;
    }
    return guarded(err, err_size, [&] {
        auto *v = new (std::nothrow) ktpel_cv_video;
        if (!v) {
            set_error(err, err_size, "out of memory");
            return -1;
        }
        bool opened = false;
        if (kind == KTPEL_CV_VIDEO_SEQUENCE)
            opened = v->capture.open(source, cv::CAP_IMAGES);
        else if (kind == KTPEL_CV_VIDEO_INDEX)
            opened = v->capture.open(std::atoi(source), cv::CAP_V4L2);
        else
            opened = v->capture.open(source, cv::CAP_V4L2);
        if (!opened || !v->capture.isOpened()) {
            delete v;
            set_error(err, err_size,
                      kind == KTPEL_CV_VIDEO_SEQUENCE
                          ? "OpenCV found no image sequence there (frames must be numbered from 0)"
                          : "OpenCV could not open the V4L2 device");
            return -1;
        }
        if (kind != KTPEL_CV_VIDEO_SEQUENCE && width > 0 && height > 0) {
            // A request only: the driver picks the nearest size it supports.
            v->capture.set(cv::CAP_PROP_FRAME_WIDTH, width);
            v->capture.set(cv::CAP_PROP_FRAME_HEIGHT, height);
        }
        *out = v;
        return 0;
    });
}

extern "C" void ktpel_cv_video_close(ktpel_cv_video *video)
{
    if (!video)
        return;
    try {
        video->capture.release();
    } catch (...) {
        // Releasing must not throw into C; the object is freed either way.
    }
    delete video;
}

extern "C" int ktpel_cv_video_read(ktpel_cv_video *video, int channels, int *width, int *height,
                                   uint8_t **pixels, char *err, size_t err_size)
{
    *pixels = nullptr;
    if (!video || (channels != 1 && channels != 3)) {
        set_error(err, err_size, "invalid video or channel count");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat frame;
        if (!video->capture.read(frame) || frame.empty())
            return 1;
        cv::Mat conv;
        if (frame.depth() != CV_8U) {
            set_error(err, err_size, "the frame is not 8 bits per sample");
            return -1;
        }
        int in = frame.channels();
        if (channels == 3 && in == 3)
            cv::cvtColor(frame, conv, cv::COLOR_BGR2RGB);
        else if (channels == 3 && in == 4)
            cv::cvtColor(frame, conv, cv::COLOR_BGRA2RGB);
        else if (channels == 3 && in == 1)
            cv::cvtColor(frame, conv, cv::COLOR_GRAY2RGB);
        else if (channels == 1 && in == 3)
            cv::cvtColor(frame, conv, cv::COLOR_BGR2GRAY);
        else if (channels == 1 && in == 4)
            cv::cvtColor(frame, conv, cv::COLOR_BGRA2GRAY);
        else if (channels == 1 && in == 1)
            conv = frame;
        else {
            set_error(err, err_size, "unsupported frame layout");
            return -1;
        }
        if (!conv.isContinuous())
            conv = conv.clone();
        size_t bytes = conv.total() * conv.elemSize();
        auto *buf = static_cast<uint8_t *>(std::malloc(bytes ? bytes : 1));
        if (!buf) {
            set_error(err, err_size, "out of memory");
            return -1;
        }
        std::memcpy(buf, conv.data, bytes);
        *width = conv.cols;
        *height = conv.rows;
        *pixels = buf;
        return 0;
    });
}

extern "C" int ktpel_cv_rotate(const uint8_t *src, int width, int height, int channels, double cx,
                               double cy, double angle_deg, uint8_t *dst, char *err,
                               size_t err_size)
{
    if (!valid_layout(width, height, channels)) {
        set_error(err, err_size, "invalid image size");
        return -1;
    }
    return guarded(err, err_size, [&] {
        cv::Mat in = wrap(const_cast<uint8_t *>(src), width, height, channels);
        cv::Mat out = wrap(dst, width, height, channels);
        cv::Mat m = cv::getRotationMatrix2D(
            cv::Point2f(static_cast<float>(cx), static_cast<float>(cy)), angle_deg, 1.0);
        cv::warpAffine(in, out, m, out.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        return 0;
    });
}
