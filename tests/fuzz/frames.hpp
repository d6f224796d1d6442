// How the fuzz targets turn a flat byte string into ZeroMQ frames and back: each frame is a
// length byte and that many bytes (a length byte of 255 is followed by a 2-byte big-endian
// length, so long texts can be reached too). Whatever the fuzzer makes of it is a valid split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zchat::fuzz {

inline std::vector<std::string_view> split_frames(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string_view> frames;
    std::size_t at = 0;
    while (at < size) {
        std::size_t length = data[at++];
        if (length == 255 && at + 2 <= size) {
            length = static_cast<std::size_t>(data[at] << 8 | data[at + 1]);
            at += 2;
        }
        length = std::min(length, size - at);
        frames.emplace_back(reinterpret_cast<const char*>(data + at), length);
        at += length;
    }
    return frames;
}

inline std::string join_frames(const std::vector<std::string>& frames) {
    std::string out;
    for (const auto& f : frames) {
        if (f.size() < 255) {
            out.push_back(static_cast<char>(f.size()));
        } else {
            out.push_back(static_cast<char>(255));
            out.push_back(static_cast<char>((f.size() >> 8) & 0xFF));
            out.push_back(static_cast<char>(f.size() & 0xFF));
        }
        out += f;
    }
    return out;
}

} // namespace zchat::fuzz
