// SPDX-License-Identifier: GPL-2.0-or-later
// Picks a packet's "protocol": its highest layer that is a real protocol, skipping
// payload carriers and pseudo-layers (data, media, image-*, _ws.*, ...). The list of
// skipped names is config/not_protocols.list (built in; a user file may replace it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace espcap::tap {

class ProtocolLayers {
public:
    ProtocolLayers();  // the built-in list

    // Replaces the list with the patterns in `text` (one per line, # comments).
    void load(std::string_view text);

    bool counts_as_protocol(std::string_view layer) const;

private:
    std::vector<std::string> patterns_;
};

// '*' matches any run of characters; everything else matches itself.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace espcap::tap
