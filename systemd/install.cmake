# install.cmake - run by `cmake --install` (see CMakeLists.txt here):
#   sessiontail.service, its ExecStart= naming the installed binary;
#   /etc/sessiontail/sinks.json, unless there is one already.
# The sinks file goes to /etc whatever the prefix: the binary reads
# /etc/sessiontail/sinks.json by default (daemon/config.h).
function(st_under_prefix dir ret)
    if(NOT IS_ABSOLUTE "${dir}")
        set(dir "${CMAKE_INSTALL_PREFIX}/${dir}")
    endif()
    set(${ret} "${dir}" PARENT_SCOPE)
endfunction()

st_under_prefix("${st_bin_dir}" bin_dir)
st_under_prefix("${st_unit_dir}" unit_dir)
file(READ "${st_unit_src}" unit)
string(REPLACE "ExecStart=/usr/bin/sessiontail "
       "ExecStart=${bin_dir}/sessiontail " unit "${unit}")
file(WRITE "${st_unit_gen}" "${unit}")
# file(INSTALL) adds $DESTDIR itself, prints and records what it installs
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE FILES "${st_unit_gen}")

set(sinks "$ENV{DESTDIR}/etc/sessiontail/sinks.json")
if(EXISTS "${sinks}")
    message(STATUS "Keeping: ${sinks}")
else()
    file(INSTALL DESTINATION "/etc/sessiontail" TYPE FILE
         PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         FILES "${st_sinks_src}")
endif()
