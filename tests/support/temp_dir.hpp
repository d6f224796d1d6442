// A directory of its own for a test's files, removed with everything in it when the test ends.
// Named by mkdtemp, so tests running in parallel never share one.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <sys/stat.h>

namespace zchat::test {

// The whole contents of the file at `path` ("" if it cannot be read).
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class temp_dir {
public:
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "zchat-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("mkdtemp failed for " + pattern);
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    // The path of `name` in the directory, as a string for the APIs and command lines under test.
    std::string operator/(const std::string& name) const { return (path_ / name).string(); }

    // Writes `text` to `name` with the given mode and returns its path.
    std::string write(const std::string& name, const std::string& text, mode_t mode = 0644) const {
        const std::string path = *this / name;
        std::ofstream(path, std::ios::binary) << text;
        if (chmod(path.c_str(), mode) != 0)
            throw std::runtime_error("chmod failed for " + path);
        return path;
    }

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace zchat::test
