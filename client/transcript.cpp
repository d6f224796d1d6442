#include "client/transcript.hpp"

#include "client/timestamp.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace zchat::client {

transcript::transcript(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0)
        throw std::runtime_error("cannot open the transcript " + path_ + ": " +
                                 std::strerror(errno));
}

transcript::~transcript() {
    if (fd_ >= 0)
        ::close(fd_);
}

transcript::transcript(transcript&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

std::optional<std::string> transcript::write(std::chrono::system_clock::time_point when,
                                             std::string_view text) {
    const std::string time = iso8601(when);
    std::string record;
    for (std::size_t start = 0; start <= text.size();) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        record.append(time).append(" ").append(text.substr(start, end - start)).append("\n");
        start = end + 1;
    }
    // One write per shown line, so that lines of two clients logging to one file do not mix.
    std::string_view left = record;
    while (!left.empty()) {
        const ssize_t wrote = ::write(fd_, left.data(), left.size());
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            return std::string{wrote < 0 ? std::strerror(errno) : "nothing written"};
        left.remove_prefix(static_cast<std::size_t>(wrote));
    }
    return std::nullopt;
}

} // namespace zchat::client
