// SPDX-License-Identifier: GPL-2.0-or-later
// Sends what earlier runs (or this one, while the node was away) left in the spool,
// oldest file first. The connector runs it each time a node answers, while it holds
// the senders back, so the spool goes before anything new. No lock of its own.
#pragma once

#include "batch_delivery.h"
#include "bulk_client.h"
#include "delivery_accounting.h"
#include "field_mappings.h"

namespace espcap::exporter {

class SpoolReplayer {
public:
    SpoolReplayer(DeliveryAccounting &accounting, IndexMappings &mappings, BatchDelivery &delivery);

    // False when the node went away again: what is left waits for its next answer.
    bool replay(BulkClient &client);

private:
    DeliveryAccounting &accounting_;
    IndexMappings &mappings_;
    BatchDelivery &delivery_;
};

}  // namespace espcap::exporter
