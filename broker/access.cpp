#include "broker/access.hpp"

#include "broker/log.hpp"

#include "proto/printable.hpp"
#include "proto/runtime/curve_keys.hpp"
#include "proto/validate.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace zchat::broker {
namespace {

constexpr std::string_view public_key_header = "== CURVE PUBLIC KEY ==";
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

        const std::string where = source + ":" + std::to_string(line_number) + ": ";
        const std::string_view key = line.substr(0, std::min(line.find(' '), line.size()));
        std::string_view name = line.substr(key.size());
        while (name.starts_with(' '))
            name.remove_prefix(1);
        const std::optional<std::string> raw_key = runtime::z85_decode_key(key);
        if (!raw_key)
            throw allowlist_error(where +
                                  "expected a 40-character Z85 public key, then "
                                  "optionally a name; got '" +
                                  proto::printable(line) + "'");
        if (auto bad = proto::check_name(name, max_bound_name_chars); bad && !name.empty())
            throw allowlist_error(where + "the name '" + proto::printable(name) +
                                  "' is not valid: " + bad->reason);
        const auto [it, added] =
            names_.emplace(std::string{key}, bound_name{std::string{name}, proto::fold_name(name)});
        if (!added && it->second.name != name)
            throw allowlist_error(where + "the key " + std::string{key} +
                                  " is listed twice with different names");
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
    for (const auto& entry : fs::directory_iterator(path, ec)) {
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with('.'))
            files.push_back(entry.path());
    }
    if (ec)
        throw allowlist_error("cannot read allowlist directory " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files)
        add(read_file(file), file.string());
}

const std::string* allowlist::folded_name_of(std::string_view key) const {
    const auto it = names_.find(key);
    return it == names_.end() ? nullptr : &it->second.folded;
}

std::unordered_set<std::string> allowlist::keys_missing_from(const allowlist& next) const {
    std::unordered_set<std::string> missing;
    for (const auto& [key, name] : names_)
        if (!next.names_.contains(key))
            missing.insert(key);
    return missing;
}

std::unordered_set<std::string> allowlist::bound_names() const {
    std::unordered_set<std::string> names;
    for (const auto& [key, name] : names_) {
        if (!name.folded.empty())
            names.insert(name.folded);
    }
    return names;
}

zap_answer answer_zap(const allowlist& allowed, std::span<const std::string_view> request) {
    // version, request id, domain, address, routing id, mechanism, credentials...
    const auto field = [&](std::size_t i) {
        return i < request.size() ? request[i] : std::string_view{};
    };
    const auto answer = [&](std::string_view code, std::string_view text, std::string user_id,
                            std::string log_line) {
        return zap_answer{{std::string{zap_version}, std::string{field(1)}, std::string{code},
                           std::string{text}, std::move(user_id), ""},
                          code == "200",
                          std::move(log_line)};
    };
    const auto refused = [address = proto::printable(field(3))](std::string_view why) {
        return "handshake-refused" + broker::field("address", address) +
               broker::field("reason", why);
    };
    if (request.size() < 6 || field(0) != zap_version)
        return answer("500", "malformed ZAP request", "", refused("malformed ZAP request"));
    if (field(2) != zap_domain)
        return answer("400", "unknown ZAP domain", "",
                      refused("unknown ZAP domain") +
                          broker::field("domain", proto::printable(field(2))));
    if (field(5) != "CURVE")
        return answer("400", "CURVE required", "", refused("it does not speak CURVE"));
    if (request.size() != 7 || field(6).size() != runtime::curve_key_bytes)
        return answer("400", "malformed CURVE credentials", "",
                      refused("malformed CURVE credentials"));
    std::string key = runtime::z85_encode_key(field(6));
    if (!allowed.folded_name_of(key))
        return answer("400", "key not allowed", "",
                      refused("key not on the allowlist") + broker::field("key", key));
    // The key itself: the server looks up its name per message, so that a reload that removes
    // the key or rebinds its name applies to connections already made.
    return answer("200", "OK", std::move(key), "");
}

} // namespace zchat::broker
