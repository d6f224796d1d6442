// Whether this build (and so every zchat executable under test, built alike) runs under
// AddressSanitizer, which makes RSS meaningless and some work several times slower.
#pragma once

namespace zchat::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool built_with_address_sanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool built_with_address_sanitizer = true;
#else
inline constexpr bool built_with_address_sanitizer = false;
#endif
#else
inline constexpr bool built_with_address_sanitizer = false;
#endif

} // namespace zchat::test
