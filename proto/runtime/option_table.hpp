// A program's options described once, in a table: each option's name (the flag --NAME and the
// config file key NAME), its value's name, its help and default, and how its text is read and
// checked. The command line, the config file (--config FILE) and --help of the broker and the
// relay all follow their table; this is the part they share.
//
// Pure: reads text, touches no socket. Each main decides exit codes.
#pragma once

#include "proto/runtime/process.hpp"

#include <cxxopts.hpp>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace zchat::runtime {

template <class Settings>
struct option_spec {
    std::string_view name;       // "heartbeat-ms": --heartbeat-ms and the key heartbeat-ms
    std::string_view value_name; // "MS", shown in the usage line
    std::string_view help;
    // The default as shown in --help, read from default-constructed settings ("" for none).
    std::string (*default_text)(const Settings&);
    // Reads `text` into the settings; the reason it cannot ("must be from 1 to 64"), if so.
    std::optional<std::string> (*set)(Settings&, std::string_view text);
};

// The option named `name` in `table`, if there is one.
template <class Settings>
const option_spec<Settings>* find_option(std::span<const option_spec<Settings>> table,
                                         std::string_view name) {
    for (const option_spec<Settings>& o : table)
        if (o.name == name)
            return &o;
    return nullptr;
}

// Reads a config file's text (one `key = value` a line, `#` comments, no sections), handing
// each line to `apply`, which says what is wrong with it, if anything. Errors are
// "SOURCE:LINE: what is wrong", for the first wrong line; nothing after it is applied.
using config_line_reader =
    std::function<std::optional<std::string>(std::string_view key, std::string_view value)>;
std::optional<std::string> read_config(const std::string& text, std::string_view source,
                                       const config_line_reader& apply);

// Reads the file at `path` into `text`; "cannot read PATH: why" if it cannot.
std::optional<std::string> read_config_file(const std::string& path, std::string& text);

// Applies a config file's text to the settings, each key an option of `table`.
template <class Settings>
std::optional<std::string> apply_config(Settings& s, std::span<const option_spec<Settings>> table,
                                        const std::string& text, std::string_view source) {
    return read_config(
        text, source,
        [&](std::string_view key, std::string_view value) -> std::optional<std::string> {
            const option_spec<Settings>* option = find_option(table, key);
            if (!option)
                return "unknown setting '" + std::string{key} + "'";
            if (auto bad = option->set(s, value))
                return std::string{key} + " " + *bad;
            return std::nullopt;
        });
}

// The command line's side of a table.

// Adds every option of `table` to `cli`, each value read as text, its default (from `defaults`)
// at the end of its help.
template <class Settings>
void add_table_options(cxxopts::Options& cli, std::span<const option_spec<Settings>> table,
                       const Settings& defaults) {
    auto add = cli.add_options();
    for (const option_spec<Settings>& o : table) {
        std::string help{o.help};
        if (const std::string d = o.default_text(defaults); !d.empty())
            help += " (default: " + d + ")";
        add(std::string{o.name}, help, cxxopts::value<std::string>(), std::string{o.value_name});
    }
}

// The options of `table` given on the command line: name -> text.
template <class Settings>
std::map<std::string, std::string> table_flags(const cxxopts::ParseResult& args,
                                               std::span<const option_spec<Settings>> table) {
    std::map<std::string, std::string> flags;
    for (const option_spec<Settings>& o : table)
        if (args.count(std::string{o.name}))
            flags.emplace(o.name, args[std::string{o.name}].as<std::string>());
    return flags;
}

// A problem with what a program was told to do, and the exit code it calls for.
struct refusal {
    int exit_code;
    std::string message;
    bool help_hint = false; // a flag was wrong: point at --help
};

// The settings from the config file `config_file` (none if empty), then `flags` over them. A
// file that cannot be read or used is exit_config; a flag, exit_usage (exit_config when
// `testing`, as --test-config makes every problem one of configuration).
template <class Settings>
std::optional<refusal> read_settings(Settings& s, std::span<const option_spec<Settings>> table,
                                     const std::string& config_file,
                                     const std::map<std::string, std::string>& flags,
                                     bool testing) {
    if (!config_file.empty()) {
        std::string text;
        if (auto unread = read_config_file(config_file, text))
            return refusal{exit_config, *unread};
        if (auto bad = apply_config(s, table, text, config_file))
            return refusal{exit_config, *bad};
    }
    for (const auto& [name, value] : flags) {
        if (auto bad = find_option(table, name)->set(s, value))
            return refusal{testing ? exit_config : exit_usage, "--" + name + " " + *bad, true};
    }
    return std::nullopt;
}

// Readers for the `set` of an option: the value, or why it is not one.

// "must be from LOW to HIGH".
std::string range(std::uint64_t low, std::uint64_t high);

// A whole number from `low` to `high`.
template <class Number>
std::optional<std::string> read_number(std::string_view text, std::uint64_t low, std::uint64_t high,
                                       Number& into) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
        return "must be a whole number ('" + std::string{text} + "' is not)";
    if (v < low || v > high)
        return range(low, high);
    into = static_cast<Number>(v);
    return std::nullopt;
}

// Any text but the empty one (an endpoint, a file name).
std::optional<std::string> read_text(std::string_view text, std::string& into);

// Seconds, fractions allowed, from 0.01 to 86400, kept as milliseconds.
std::optional<std::string> read_seconds(std::string_view text, std::chrono::milliseconds& into);
// Milliseconds shown as seconds, as read_seconds reads them.
std::string shown_seconds(std::chrono::milliseconds ms);

} // namespace zchat::runtime
