// The OpenCV wrapper (see cv_wrap.h). Every OpenCV call is inside a try block: an exception
// must never cross into C.
#include "cv_wrap.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace
{

void set_error(char *err, size_t err_size, const char *what)
{
    if (err && err_size)
        std::snprintf(err, err_size, "%s", what);
}

} // namespace

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
