// The OPTIONS section of an executable's man page, in scdoc syntax, rendered from the very
// cxxopts::Options that its --help prints, so the page and --help list the same options with the
// same words. Each executable prints it for its hidden --help-man flag, and the build splices it
// into the hand-written page in man/. What the page says besides its options is not made here.
#pragma once

#include <cxxopts.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace zchat::runtime {

// The group for options that are not for people (--help-man, the bench's --worker): --help
// lists only the unnamed group, so neither --help nor the man page shows these.
inline constexpr const char* hidden_group = "internal";

// Adds -h/--help and --version, which every executable takes, and --help-man in the hidden group.
void add_help_and_version(cxxopts::Options& cli);

// What every executable answers before looking at anything else, on stdout: --help (the options
// of `groups`, then `more_help`), --help-man (man_options) and --version ("PROGRAM VERSION").
// Returns whether `args` asked for one of them, which the caller then ends with exit code 0.
bool answer_help_or_version(const cxxopts::Options& cli, const cxxopts::ParseResult& args,
                            const std::vector<std::string>& groups,
                            const std::vector<std::string>& positional, std::string_view more_help);

// "# OPTIONS", then each option of `groups` in the order `cli.help(groups)` lists them: a line
// such as `*-t*, *--topic* _TOPIC_` (`*--stats*[=_SECONDS_]` for a value that may be left out),
// then its help text, indented, with the default appended as --help appends it. Options named in
// `positional` (the names given to cli.parse_positional) are left out, as --help leaves them out.
// scdoc's specials in the help texts (`*`, `_`, backslash) are escaped. Throws std::out_of_range
// for a group that `cli` does not have.
std::string man_options(const cxxopts::Options& cli, const std::vector<std::string>& groups,
                        const std::vector<std::string>& positional);

} // namespace zchat::runtime
