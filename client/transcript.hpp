// The client's --log FILE: every line it shows, appended with the full local time it was said,
// so a conversation can be read later. Private to its owner: the file is created with mode 0600.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::client {

class transcript {
public:
    // Opens `path` for appending, creating it (mode 0600) if it is not there. Throws
    // std::runtime_error saying why it cannot.
    explicit transcript(std::string path);
    ~transcript();
    transcript(transcript&& other) noexcept;
    transcript& operator=(transcript&&) = delete;
    transcript(const transcript&) = delete;
    transcript& operator=(const transcript&) = delete;

    const std::string& path() const { return path_; }

    // Appends each line of `text`, said at `when`, after that time. Returns the reason when the
    // file cannot be written (a full disk, say).
    std::optional<std::string> write(std::chrono::system_clock::time_point when,
                                     std::string_view text);

private:
    std::string path_;
    int fd_ = -1;
};

} // namespace zchat::client
