// -q/--quiet and -v/--verbose, which every zchat executable takes with one meaning: say less, or
// say more, than by default. Results and errors are never left out; what "less" and "more" are
// for each executable its --help says, and the README's table of flags lists side by side.
#pragma once

#include <cxxopts.hpp>

#include <string>

namespace zchat::runtime {

// Adds -q/--quiet and -v/--verbose to `cli` with these help texts.
inline void add_verbosity_options(cxxopts::Options& cli, const std::string& quieter,
                                  const std::string& louder) {
    cli.add_options()("q,quiet", quieter)("v,verbose", louder);
}

// How much more than by default to say: the count of -v less that of -q (-vv is 2, -q -1).
inline int verbosity(const cxxopts::ParseResult& args) {
    return static_cast<int>(args.count("verbose")) - static_cast<int>(args.count("quiet"));
}

} // namespace zchat::runtime
