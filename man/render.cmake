# Builds one man page (cmake -P, from man/CMakeLists.txt): the executable's own --help-man
# output, the OPTIONS section rendered from the option table --help prints, takes the place of
# the line @OPTIONS@ in the hand-written scdoc source; @VERSION@ becomes the version; scdoc
# turns the result into roff, and gzip makes the copy that is installed.
#
#   cmake -DEXECUTABLE=... -DSOURCE=x.1.scd -DOUTPUT=x.1 -DVERSION=... -DSCDOC=... -DGZIP=...
#         -P render.cmake
# writes OUTPUT.scd (the spliced source, for reading when scdoc objects), OUTPUT and OUTPUT.gz.

# The project's policies: under the old ones a quoted "@VERSION@" is read as a variable.
cmake_minimum_required(VERSION 3.25)

execute_process(COMMAND ${EXECUTABLE} --help-man
    OUTPUT_VARIABLE options ERROR_VARIABLE problem RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "${EXECUTABLE} --help-man failed (${status}): ${problem}")
endif()

file(READ ${SOURCE} page)
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
# On a line of its own, and once: anything else is a mistake in the source, not a page to ship.
string(FIND "${page}" "\n@OPTIONS@\n" first)
string(FIND "${page}" "\n@OPTIONS@\n" last REVERSE)
if(first EQUAL -1 OR NOT first EQUAL last)
    message(FATAL_ERROR "${SOURCE} needs the line @OPTIONS@ exactly once")
endif()
string(REPLACE "\n@OPTIONS@\n" "\n${options}" page "${page}")
file(WRITE ${OUTPUT}.scd "${page}")

execute_process(COMMAND ${SCDOC} INPUT_FILE ${OUTPUT}.scd OUTPUT_FILE ${OUTPUT}
    ERROR_VARIABLE problem RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    file(REMOVE ${OUTPUT})
    message(FATAL_ERROR "scdoc refused ${OUTPUT}.scd (spliced from ${SOURCE}): ${problem}")
endif()

# -n: no name or time in the header, so the same page compresses to the same bytes.
execute_process(COMMAND ${GZIP} -9n INPUT_FILE ${OUTPUT} OUTPUT_FILE ${OUTPUT}.gz
    RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "gzip could not compress ${OUTPUT}")
endif()
