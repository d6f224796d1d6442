// Who may connect to a broker or a relay running CurveZMQ with an allowlist, and the ZAP
// handler's answers (ZeroMQ RFC 27) built from it. Without sockets: the broker and the relay own
// their ZAP socket and hand each request's frames here.
//
// An allowlist file has one client public key per line (40 Z85 characters), optionally followed
// by a space and the one name that key may join under; or "relay " and a relay's public key,
// which may carry other clients' commands (PROTOCOL.md, section 2a). Blank lines, lines that are
// "#" or start with "# ", and trailing blanks are ignored, and so is the "== CURVE PUBLIC KEY =="
// header, so a client's public key file is itself a one-line allowlist. A directory is read as
// every regular file in it whose name does not start with '.'.
#pragma once

#include "proto/codec.hpp"
#include "proto/string_hash.hpp"

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace zchat::runtime {

// An allowlist cannot be read or has a bad line; the message names the file and line.
struct allowlist_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class allowlist {
public:
    // Parses an allowlist's text; `source` names it in errors. Adds to what is there already.
    void add(std::string_view text, const std::string& source);
    // Reads the file at `path`, or every visible regular file in the directory at `path`.
    void load(const std::string& path);

    // What the list says of one key.
    struct entry {
        std::string name;   // as listed, or "" for any name
        std::string folded; // case folded
        bool relay = false; // a relay's key: it carries others' commands, under no name
        bool operator==(const entry&) const = default;
    };

    // The entry of the key `key` (Z85), or nullptr if the key is not listed.
    const entry* find(std::string_view key) const;

    // Names bound to a key, case folded: only their own key may join under them.
    std::unordered_set<std::string> bound_names() const;

    // The keys (Z85) listed here but not in `next`.
    std::unordered_set<std::string> keys_missing_from(const allowlist& next) const;

    std::size_t size() const { return entries_.size(); }
    bool operator==(const allowlist&) const = default;

private:
    std::unordered_map<std::string, entry, proto::string_hash, std::equal_to<>> entries_; // by key
};

// The ZAP domain of the broker's and the relay's sockets: the handler answers for it alone.
inline constexpr std::string_view zap_domain = "zchat";

// A ZAP reply, and what to log about it.
struct zap_answer {
    proto::frame_list reply;
    bool allowed = false;
    // For a refusal, why, and who asked (terminal-safe); the key or domain when they are why.
    std::string reason;
    std::string address;
    std::string key;
    std::string domain;
};

// Answers one ZAP request (its frames without the REP envelope). A CURVE client of zap_domain
// whose key is listed is accepted with the key (Z85) as the User-Id; anything else is refused
// with 400.
zap_answer answer_zap(const allowlist& allowed, std::span<const std::string_view> request);

} // namespace zchat::runtime
