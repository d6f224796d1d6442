// The man page's OPTIONS section: what --help lists, in scdoc, and nothing --help leaves out.
#include "proto/runtime/man_options.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

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
    add_help_man_option(cli);
    cli.parse_positional({"host"});

    EXPECT_EQ(man_options(cli, {""}, {"host"}), "# OPTIONS\n\n*--shown*\n\tlisted\n");
    const std::string help = cli.help({""});
    EXPECT_EQ(help.find("--worker"), std::string::npos) << help;
    EXPECT_EQ(help.find("--help-man"), std::string::npos) << help;
}

TEST(ManOptions, HelpManIsAFlagTheExecutableCanAskFor) {
    cxxopts::Options cli("zchat-test", "");
    add_help_man_option(cli);
    const char* argv[] = {"zchat-test", "--help-man"};
    EXPECT_EQ(cli.parse(2, argv).count("help-man"), 1u);
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
