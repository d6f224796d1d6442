#include "proto/runtime/man_options.hpp"

#include <algorithm>
#include <iostream>

namespace zchat::runtime {
namespace {

// Help text as scdoc reads it literally: its specials escaped, and each line after the first
// indented like the first, or scdoc would end the option's paragraph there.
std::string literal(const std::string& text) {
    std::string out;
    for (const char c : text) {
        if (c == '*' || c == '_' || c == '\\')
            out += '\\';
        out += c;
        if (c == '\n')
            out += '\t';
    }
    return out;
}

// The option's names and value, as --help shows them but in scdoc's markup.
std::string synopsis(const cxxopts::HelpOptionDetails& o) {
    std::string line;
    if (!o.s.empty())
        line += "*-" + o.s + "*";
    // --help shows the first long name only.
    if (!o.l.empty())
        line += (line.empty() ? "" : ", ") + std::string{"*--"} + o.l.front() + "*";
    if (o.is_boolean)
        return line;
    const std::string value = "_" + literal(o.arg_help.empty() ? "arg" : o.arg_help) + "_";
    return line + (o.has_implicit ? "[=" + value + "]" : " " + value);
}

// The help text with its default, as cxxopts' help appends it.
std::string description(const cxxopts::HelpOptionDetails& o) {
    std::string text = o.desc;
    if (o.has_default && (!o.is_boolean || o.default_value != "false"))
        text += " (default: " + (o.default_value.empty() ? "\"\"" : o.default_value) + ")";
    return literal(text);
}

} // namespace

void add_help_and_version(cxxopts::Options& cli) {
    cli.add_options()("h,help", "print this help and exit")("version",
                                                            "print the version and exit");
    cli.add_options(hidden_group)("help-man",
                                  "print the man page's OPTIONS section (scdoc) and exit");
}

bool answer_help_or_version(const cxxopts::Options& cli, const cxxopts::ParseResult& args,
                            const std::vector<std::string>& groups,
                            const std::vector<std::string>& positional,
                            std::string_view more_help) {
    if (args.count("help"))
        std::cout << cli.help(groups) << more_help << std::flush;
    else if (args.count("help-man"))
        std::cout << man_options(cli, groups, positional) << std::flush;
    else if (args.count("version"))
        std::cout << cli.program() << ' ' << ZCHAT_VERSION << '\n';
    else
        return false;
    return true;
}

std::string man_options(const cxxopts::Options& cli, const std::vector<std::string>& groups,
                        const std::vector<std::string>& positional) {
    std::string page = "# OPTIONS\n";
    for (const std::string& group : groups) {
        for (const cxxopts::HelpOptionDetails& o : cli.group_help(group).options) {
            if (!o.l.empty() && std::ranges::find(positional, o.l.front()) != positional.end())
                continue;
            page += "\n" + synopsis(o) + "\n\t" + description(o) + "\n";
        }
    }
    return page;
}

} // namespace zchat::runtime
