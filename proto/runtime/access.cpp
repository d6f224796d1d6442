#include "proto/runtime/access.hpp"

#include "proto/printable.hpp"
#include "proto/runtime/curve_keys.hpp"
#include "proto/validate.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace zchat::runtime {
namespace {

constexpr std::string_view public_key_header = "== CURVE PUBLIC KEY ==";
constexpr std::string_view relay_role = "relay ";
constexpr std::string_view zap_version = "1.0";
// Longest name a key may be bound to; the broker's own name rules apply on top.
constexpr std::size_t max_bound_name_chars = 64;

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw allowlist_error("cannot read allowlist " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

void allowlist::add(std::string_view text, const std::string& source) {
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        // A key never contains a space, so "# ..." cannot be one.
        if (line.empty() || line == public_key_header || line == "#" || line.starts_with("# "))
            continue;
        const std::string_view text_line = line;

        const std::string where = source + ":" + std::to_string(line_number) + ": ";
        entry listed;
        listed.relay = line.starts_with(relay_role);
        if (listed.relay)
            line.remove_prefix(relay_role.size());
        const std::string_view key = line.substr(0, std::min(line.find(' '), line.size()));
        std::string_view name = line.substr(key.size());
        while (name.starts_with(' '))
            name.remove_prefix(1);
        if (!z85_decode_key(key))
            throw allowlist_error(where +
                                  (listed.relay ? "expected 'relay' and a relay's 40-character "
                                                  "Z85 public key, alone; got '"
                                                : "expected a 40-character Z85 public key, then "
                                                  "optionally a name; got '") +
                                  proto::printable(text_line) + "'");
        if (listed.relay && !name.empty())
            throw allowlist_error(where + "a relay's key joins under no name; got '" +
                                  proto::printable(text_line) + "'");
        if (auto bad = proto::check_name(name, max_bound_name_chars); bad && !name.empty())
            throw allowlist_error(where + "the name '" + proto::printable(name) +
                                  "' is not valid: " + bad->reason);
        listed.name = name;
        listed.folded = proto::fold_name(name);
        const auto [it, added] = entries_.emplace(std::string{key}, listed);
        if (!added && it->second != listed)
            throw allowlist_error(where + "the key " + std::string{key} +
                                  " is listed twice with different names or roles");
    }
}

void allowlist::load(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
        add(read_file(path), path);
        return;
    }
    std::vector<fs::path> files;
    for (const auto& file : fs::directory_iterator(path, ec)) {
        if (file.is_regular_file() && !file.path().filename().string().starts_with('.'))
            files.push_back(file.path());
    }
    if (ec)
        throw allowlist_error("cannot read allowlist directory " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files)
        add(read_file(file), file.string());
}

const allowlist::entry* allowlist::find(std::string_view key) const {
    const auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
}

std::unordered_set<std::string> allowlist::keys_missing_from(const allowlist& next) const {
    std::unordered_set<std::string> missing;
    for (const auto& [key, listed] : entries_)
        if (!next.entries_.contains(key))
            missing.insert(key);
    return missing;
}

std::unordered_set<std::string> allowlist::bound_names() const {
    std::unordered_set<std::string> names;
    for (const auto& [key, listed] : entries_) {
        if (!listed.folded.empty())
            names.insert(listed.folded);
    }
    return names;
}

zap_answer answer_zap(const allowlist& allowed, std::span<const std::string_view> request) {
    // version, request id, domain, address, routing id, mechanism, credentials...
    const auto field = [&](std::size_t i) {
        return i < request.size() ? request[i] : std::string_view{};
    };
    const auto answer = [&](std::string_view code, std::string_view text, std::string user_id) {
        zap_answer a;
        a.reply = {std::string{zap_version}, std::string{field(1)}, std::string{code},
                   std::string{text},        std::move(user_id),    ""};
        a.allowed = code == "200";
        return a;
    };
    const auto refused = [&](std::string_view code, std::string_view text, std::string_view why) {
        zap_answer a = answer(code, text, "");
        a.reason = why;
        a.address = proto::printable(field(3));
        return a;
    };
    if (request.size() < 6 || field(0) != zap_version)
        return refused("500", "malformed ZAP request", "malformed ZAP request");
    if (field(2) != zap_domain) {
        zap_answer a = refused("400", "unknown ZAP domain", "unknown ZAP domain");
        a.domain = proto::printable(field(2));
        return a;
    }
    if (field(5) != "CURVE")
        return refused("400", "CURVE required", "it does not speak CURVE");
    if (request.size() != 7 || field(6).size() != curve_key_bytes)
        return refused("400", "malformed CURVE credentials", "malformed CURVE credentials");
    std::string key = z85_encode_key(field(6));
    if (!allowed.find(key)) {
        zap_answer a = refused("400", "key not allowed", "key not on the allowlist");
        a.key = std::move(key);
        return a;
    }
    // The key itself: the server looks up its name per message, so that a reload that removes
    // the key or rebinds its name applies to connections already made.
    return answer("200", "OK", std::move(key));
}

} // namespace zchat::runtime
