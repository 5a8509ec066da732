// SPDX-License-Identifier: GPL-2.0-or-later
#include "protocol_layers.h"

#include "not_protocols_list.h"  // generated from config/not_protocols.list

namespace espcap::tap {

bool glob_match(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

ProtocolLayers::ProtocolLayers() { load(kBuiltinNotProtocols); }

void ProtocolLayers::load(std::string_view text) {
    patterns_.clear();
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (line.empty() || line.front() == '#') continue;
        patterns_.emplace_back(line);
    }
}

bool ProtocolLayers::counts_as_protocol(std::string_view layer) const {
    for (const std::string &pattern : patterns_) {
        if (glob_match(pattern, layer)) return false;
    }
    return true;
}

}  // namespace espcap::tap
