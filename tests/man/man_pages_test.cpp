// The man pages against --help: for each executable, the options its --help lists are the
// options its --help-man prints and its built page (build/man/) lists under OPTIONS, and the
// hidden ones appear in neither; and the options every executable shares. The real executables are
// run and the real pages read.
#include "tests/support/child_process.hpp"
#include "tests/support/outcome.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace zchat::test {
namespace {

using names = std::set<std::string>;

struct executable {
    std::string name;
    std::string path;
    names hidden; // long options that are not for people
};

const std::vector<executable> executables{
    {"zchat-broker", ZCHAT_BROKER_PATH, {"help-man"}},
    {"zchat-client", ZCHAT_CLIENT_PATH, {"help-man"}},
    {"zchat-relay", ZCHAT_RELAY_PATH, {"help-man"}},
    {"zchat-tap", ZCHAT_TAP_PATH, {"help-man"}},
    {"zchat-bench", ZCHAT_BENCH_PATH, {"help-man", "forwarder", "worker", "pub"}},
    {"zchat-keygen", ZCHAT_KEYGEN_PATH, {"help-man"}},
};

std::string page_path(const executable& e) {
    return std::string{ZCHAT_MAN_DIR} + "/" + e.name + ".1";
}

// What `path flag` prints on stdout, checking that it exits 0 and says nothing on stderr.
std::string output_of(const std::string& path, const std::string& flag) {
    child_process p(path, {flag});
    const std::string out = p.read_rest(stream::out);
    EXPECT_EQ(exit_of(p), "exit 0") << transcript(p);
    EXPECT_EQ(p.text(stream::err), "") << flag;
    return out;
}

// The first capture of `pattern` on each line of `text` that it matches from the line's start.
names captured(const std::string& text, const std::regex& pattern) {
    names found;
    std::istringstream in(text);
    std::smatch m;
    for (std::string line; std::getline(in, line);)
        if (std::regex_search(line, m, pattern, std::regex_constants::match_continuous))
            found.insert(m[1]);
    return found;
}

// The long options of --help's table: "  -h, --help ..." and "      --version ...".
names listed_in_help(const std::string& help) {
    static const std::regex option(R"(  (?:-[A-Za-z0-9], |    )--([a-z0-9-]+))");
    return captured(help, option);
}

// The long options --help-man lists: "*-h*, *--help*" and "*--version*".
names listed_in_help_man(const std::string& scdoc) {
    static const std::regex option(R"(\*(?:-[A-Za-z0-9]\*, \*)?--([a-z0-9-]+)\*)");
    return captured(scdoc, option);
}

// The long options the roff page lists in its OPTIONS section, which scdoc writes as
// "\fB-h\fR, \fB--help\fR" and "\fB--version\fR" at the start of a line.
names listed_in_page(const std::string& roff) {
    const auto start = roff.find("\n.SH OPTIONS\n");
    if (start == std::string::npos)
        return {};
    const auto end = roff.find("\n.SH ", start + 1);
    static const std::regex option(R"(\\fB(?:-[A-Za-z0-9]\\fR, \\fB)?--([a-z0-9-]+)\\fR)");
    return captured(roff.substr(start, end - start), option);
}

// Whether `text` names the option --`name` anywhere, as a whole word (--pub, not --publishers).
bool mentions(const std::string& text, const std::string& name) {
    const std::regex word("(^|[^a-z0-9-])--" + name + "($|[^a-z0-9-])");
    return std::regex_search(text, word);
}

TEST(ManPages, HelpManListsExactlyTheOptionsHelpLists) {
    for (const executable& e : executables) {
        SCOPED_TRACE(e.name);
        const names help = listed_in_help(output_of(e.path, "--help"));
        // The parse must have found the table, or the comparison below proves nothing.
        EXPECT_TRUE(help.contains("help") && help.contains("version")) << e.name;
        const std::string scdoc = output_of(e.path, "--help-man");
        EXPECT_TRUE(scdoc.starts_with("# OPTIONS\n")) << scdoc;
        EXPECT_EQ(listed_in_help_man(scdoc), help);
        for (const std::string& hidden : e.hidden)
            EXPECT_FALSE(mentions(scdoc, hidden)) << "--" << hidden << " in\n" << scdoc;
    }
}

TEST(ManPages, EachPageListsExactlyTheOptionsHelpLists) {
    for (const executable& e : executables) {
        SCOPED_TRACE(e.name);
        const std::string page = read_file(page_path(e));
        ASSERT_FALSE(page.empty()) << page_path(e) << " missing or empty";
        EXPECT_NE(page.find(".TH \"" + e.name + "\" \"1\""), std::string::npos) << page;
        EXPECT_EQ(listed_in_page(page), listed_in_help(output_of(e.path, "--help")));
        for (const std::string& hidden : e.hidden)
            EXPECT_FALSE(mentions(page, hidden)) << "--" << hidden << " in " << page_path(e);
        for (const char* placeholder : {"@OPTIONS@", "@VERSION@"})
            EXPECT_EQ(page.find(placeholder), std::string::npos) << placeholder;
    }
}

// One vocabulary: every executable takes -q/--quiet, -v/--verbose, -h/--help and --version, with
// the same short forms, and says in its help what each does for it.
TEST(ManPages, EveryExecutableTakesTheCommonOptions) {
    for (const executable& e : executables) {
        SCOPED_TRACE(e.name);
        const std::string help = output_of(e.path, "--help");
        for (const char* option :
             {"\n  -q, --quiet ", "\n  -v, --verbose ", "\n  -h, --help ", "\n      --version "})
            EXPECT_NE(help.find(option), std::string::npos) << option << " in\n" << help;
        for (const char* flag : {"-q", "-v"}) {
            child_process p(e.path, {flag, "--version"});
            EXPECT_EQ(exit_of(p), "exit 0") << transcript(p);
        }
    }
}

TEST(ManPages, ManRendersEachPageWithoutAWarning) {
    const std::string man = "/usr/bin/man";
    if (!std::filesystem::exists(man))
        GTEST_SKIP() << "no " << man;
    for (const executable& e : executables) {
        SCOPED_TRACE(e.name);
        child_process p(man, {"--warnings", "-l", page_path(e)});
        const std::string text = p.read_rest(stream::out);
        EXPECT_EQ(exit_of(p), "exit 0") << transcript(p);
        EXPECT_EQ(p.text(stream::err), "");
        EXPECT_NE(text.find("OPTIONS"), std::string::npos) << text;
        EXPECT_NE(text.find("EXIT STATUS"), std::string::npos) << text;
    }
}

} // namespace
} // namespace zchat::test
