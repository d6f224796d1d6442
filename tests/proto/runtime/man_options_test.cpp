// The man page's OPTIONS section: what --help lists, in scdoc, and nothing --help leaves out.
#include "proto/runtime/man_options.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace zchat::runtime {
namespace {

TEST(ManOptions, EachListedOptionIsItsNamesAndValueThenItsHelpIndented) {
    cxxopts::Options cli("zchat-test", "");
    std::string endpoint;
    double seconds = 0;
    bool force = false;
    auto add = cli.add_options();
    add("sub", "broker endpoint", cxxopts::value(endpoint)->default_value("tcp://h:1"), "EP");
    add("t,topic", "show only TOPIC", cxxopts::value<std::string>(), "TOPIC");
    add("stats", "print rates", cxxopts::value(seconds)->implicit_value("1"), "SECONDS");
    add("f,force", "replace files", cxxopts::value(force));
    add("json", "print JSON");
    add("unnamed", "a value without a name", cxxopts::value<int>());
    cli.add_options("advanced")("depth", "how deep",
                                cxxopts::value<std::string>()->default_value(""), "N");

    EXPECT_EQ(man_options(cli, {"", "advanced"}, {}),
              "# OPTIONS\n"
              "\n*--sub* _EP_\n\tbroker endpoint (default: tcp://h:1)\n"
              "\n*-t*, *--topic* _TOPIC_\n\tshow only TOPIC\n"
              "\n*--stats*[=_SECONDS_]\n\tprint rates\n"
              "\n*-f*, *--force*\n\treplace files\n"
              "\n*--json*\n\tprint JSON\n"
              "\n*--unnamed* _arg_\n\ta value without a name\n"
              "\n*--depth* _N_\n\thow deep (default: \"\")\n");
}

TEST(ManOptions, LeavesOutWhatHelpLeavesOut) {
    cxxopts::Options cli("zchat-test", "");
    cli.add_options()("shown", "listed")("host", "a positional argument",
                                         cxxopts::value<std::string>());
    cli.add_options(hidden_group)("worker", "for the executable itself");
    add_help_and_version(cli);
    cli.parse_positional({"host"});

    EXPECT_EQ(man_options(cli, {""}, {"host"}),
              "# OPTIONS\n\n*--shown*\n\tlisted\n\n*-h*, *--help*\n\tprint this help and exit\n"
              "\n*--version*\n\tprint the version and exit\n");
    const std::string help = cli.help({""});
    EXPECT_EQ(help.find("--worker"), std::string::npos) << help;
    EXPECT_EQ(help.find("--help-man"), std::string::npos) << help;
}

// What `argv` makes answer_help_or_version print, or nothing if it answers nothing.
std::optional<std::string> answer_to(std::vector<const char*> argv) {
    cxxopts::Options cli("zchat-test", "");
    cli.add_options()("shown", "listed");
    add_help_and_version(cli);
    const auto args = cli.parse(static_cast<int>(argv.size()), argv.data());
    std::ostringstream out;
    std::streambuf* const saved = std::cout.rdbuf(out.rdbuf());
    const bool answered = answer_help_or_version(cli, args, {""}, {}, "\nMore.\n");
    std::cout.rdbuf(saved);
    if (!answered)
        return std::nullopt;
    return out.str();
}

TEST(ManOptions, HelpHelpManAndVersionAreAnsweredOnStdout) {
    EXPECT_EQ(answer_to({"zchat-test", "--version"}), "zchat-test " ZCHAT_VERSION "\n");
    const auto help = answer_to({"zchat-test", "-h"});
    ASSERT_TRUE(help);
    EXPECT_NE(help->find("--shown"), std::string::npos) << *help;
    EXPECT_TRUE(help->ends_with("\nMore.\n")) << *help;
    const auto page = answer_to({"zchat-test", "--help-man"});
    ASSERT_TRUE(page);
    EXPECT_TRUE(page->starts_with("# OPTIONS\n")) << *page;
    EXPECT_EQ(answer_to({"zchat-test", "--shown"}), std::nullopt);
}

TEST(ManOptions, HelpTextIsLiteralInScdoc) {
    cxxopts::Options cli("zchat-test", "");
    cli.add_options()("format", "%p text, * and _under_ and \\t\nsecond line",
                      cxxopts::value<std::string>(), "FMT_STRING");
    EXPECT_EQ(man_options(cli, {""}, {}),
              "# OPTIONS\n\n*--format* _FMT\\_STRING_\n"
              "\t%p text, \\* and \\_under\\_ and \\\\t\n\tsecond line\n");
}

TEST(ManOptions, AGroupTheOptionsDoNotHaveIsOurBug) {
    cxxopts::Options cli("zchat-test", "");
    cli.add_options()("shown", "listed");
    EXPECT_THROW(man_options(cli, {"", "missing"}, {}), std::out_of_range);
}

} // namespace
} // namespace zchat::runtime
