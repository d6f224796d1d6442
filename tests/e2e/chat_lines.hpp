// The lines zchat-client prints for presence, as the end-to-end tests expect them.
#pragma once

#include <string>

namespace zchat::test {

inline std::string users(int n) {
    return std::to_string(n) + (n == 1 ? " user" : " users");
}
inline std::string connected(int n) {
    return "> Connected to the chat server (" + users(n) + " online)";
}
inline std::string reconnected(int n) {
    return "> Reconnected to the chat server (" + users(n) + " online)";
}
inline std::string entered(const std::string& name, int n) {
    return "> New user " + name + " entered (" + users(n) + " online)";
}
inline std::string left(const std::string& name, int n) {
    return "< The user " + name + " left (" + users(n) + " online)";
}
inline std::string timed_out(const std::string& name, int n) {
    return "< The user " + name + " left (timed out) (" + users(n) + " online)";
}
inline const std::string lost = "! Connection to the chat server lost; reconnecting...";

} // namespace zchat::test
