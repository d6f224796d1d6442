// zchat-keygen: writes a CURVE key pair as BASE.pub and BASE.secret.
#include "proto/runtime/curve_keys.hpp"
#include "proto/runtime/man_options.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/verbosity.hpp"

#include <cxxopts.hpp>

#include <cstdio>
#include <filesystem>
#include <iostream>

namespace {

using zchat::runtime::exit_failure;
using zchat::runtime::exit_ok;
using zchat::runtime::exit_usage;

constexpr const char* more_help =
    "\nWrites BASE.pub (the public key, to hand out) and BASE.secret (the secret key, mode\n"
    "0600, to keep). For the broker: give BASE.pub to every client (--curve-server-key) and\n"
    "start it with --curve-secret BASE.secret. For a client: start it with --curve-server-key\n"
    "BROKER.pub --curve-secret BASE.secret and add the public key to the broker's --allow\n"
    "list, optionally followed by the one name it may use. It prints the public key and the\n"
    "files written (-q: nothing; -v: also each file's full path and mode).\n"
    "\nExit codes: 0 success, 1 a file cannot be written, 2 usage error.\n";

// "/full/path/BASE.pub: mode 0644", for -v.
std::string described(const std::string& file) {
    const auto path = std::filesystem::absolute(file);
    const auto mode = std::filesystem::status(path).permissions() & std::filesystem::perms::mask;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    return path.string() + ": mode " + octal;
}

} // namespace

int main(int argc, char** argv) {
    cxxopts::Options cli("zchat-keygen", "Makes a CurveZMQ key pair for zchat.");
    std::string base;
    bool force = false;
    cli.add_options()("f,force", "replace existing key files", cxxopts::value(force));
    zchat::runtime::add_verbosity_options(cli, "print nothing when all went well",
                                          "also print each file's full path and mode");
    zchat::runtime::add_help_and_version(cli);
    cli.add_options()("base", "path and name of the key files, without extension",
                      cxxopts::value(base));
    // The groups --help lists, and so the man page: not the hidden one.
    const std::vector<std::string> help_groups{""};
    const std::vector<std::string> positional{"base"};
    cli.parse_positional(positional);
    cli.positional_help("BASE");
    cli.custom_help("[--force] [-q|-v]");

    int verbosity = 0;
    try {
        const auto args = cli.parse(argc, argv);
        if (zchat::runtime::answer_help_or_version(cli, args, help_groups, positional, more_help))
            return exit_ok;
        if (!args.unmatched().empty())
            throw cxxopts::exceptions::exception("unexpected argument '" +
                                                 args.unmatched().front() + "'");
        if (base.empty())
            throw cxxopts::exceptions::exception("give the BASE name of the key files");
        verbosity = zchat::runtime::verbosity(args);
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-keygen: " << e.what() << " (try --help)\n";
        return exit_usage;
    }

    using zchat::runtime::key_kind;
    try {
        // Checked before writing either file, so a refusal leaves no half-written pair behind.
        if (!force && std::filesystem::exists(base + ".pub"))
            throw zchat::runtime::key_error("cannot write " + base +
                                            ".pub: File exists (use --force to replace it)");
        const auto keys = zchat::runtime::generate_key_pair();
        zchat::runtime::write_key_file(base + ".secret", key_kind::secret_key, keys.secret_key,
                                       force);
        zchat::runtime::write_key_file(base + ".pub", key_kind::public_key, keys.public_key, force);
        if (verbosity >= 0)
            std::cout << "Public key: " << keys.public_key << '\n'
                      << "Wrote " << base << ".pub and " << base << ".secret (keep it private)\n";
        if (verbosity > 0)
            for (const char* extension : {".pub", ".secret"})
                std::cout << described(base + extension) << '\n';
    } catch (const zchat::runtime::key_error& e) {
        std::cerr << "zchat-keygen: " << e.what() << '\n';
        return exit_failure;
    }
    return exit_ok;
}
