// Where the broker's log goes: standard error, or a file that SIGUSR1 has reopened (so that
// logrotate can move it away). Stamps each entry with the wall clock as it writes it, and keeps
// only entries at its level or above.
#pragma once

#include "broker/log.hpp"

#include <fstream>
#include <iosfwd>
#include <span>
#include <string>

namespace zchat::broker {

class log_sink {
public:
    // Writes to `out` (std::cerr, or a stream a test reads).
    log_sink(std::ostream& out, log_level level) : out_(&out), level_(level) {}
    // Appends to the file at `path`, creating it. Throws std::runtime_error if it cannot be
    // opened, naming the file and why.
    log_sink(const std::string& path, log_level level);

    log_level level() const { return level_; }
    void set_level(log_level level) { level_ = level; }
    // Whether an entry at `level` would be written: lets a caller skip composing it.
    bool wants(log_level level) const { return logs(level_, level); }

    void write(const log_entry& entry);
    void write(std::span<const log_entry> entries);
    void write(log_level level, std::string text) { write(log_entry{level, std::move(text)}); }

    // Whether the log goes to a file (which reopen can reopen).
    bool writes_to_file() const { return !path_.empty(); }
    // Closes and opens the file again under its name, if the log goes to a file. Returns what
    // went wrong, if anything; the log then goes on to standard error, so nothing is lost.
    std::optional<std::string> reopen();

private:
    std::ostream* out_;
    log_level level_;
    std::string path_; // empty: not a file
    std::ofstream file_;
};

} // namespace zchat::broker
