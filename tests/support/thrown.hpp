// The message of the exception of type Error that `action` throws, or "(no error)": lets a test
// compare a whole error message in one EXPECT_EQ.
#pragma once

#include <functional>
#include <string>

namespace zchat::test {

template <class Error>
std::string message_thrown(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace zchat::test
