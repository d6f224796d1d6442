#include "proto/runtime/started_line.hpp"

namespace zchat::runtime {
namespace {

constexpr std::string_view router_mark = " started: router ";
constexpr std::string_view pub_mark = ", pub ";

} // namespace

std::string started_line(std::string_view who, const bound_endpoints& endpoints) {
    return std::string{who} + std::string{router_mark} + endpoints.router + std::string{pub_mark} +
           endpoints.pub;
}

std::optional<bound_endpoints> parse_started_line(std::string_view line) {
    const auto r = line.find(router_mark);
    if (r == std::string_view::npos)
        return std::nullopt;
    line.remove_prefix(r + router_mark.size());
    const auto p = line.find(pub_mark);
    if (p == std::string_view::npos || p == 0)
        return std::nullopt;
    bound_endpoints e{std::string{line.substr(0, p)},
                      std::string{line.substr(p + pub_mark.size())}};
    while (!e.pub.empty() && (e.pub.back() == '\n' || e.pub.back() == '\r' || e.pub.back() == ' '))
        e.pub.pop_back();
    if (e.pub.empty())
        return std::nullopt;
    return e;
}

} // namespace zchat::runtime
