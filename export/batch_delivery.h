// SPDX-License-Identifier: GPL-2.0-or-later
// Takes one batch to the node: maps its new fields, sends it and has each document's
// outcome counted; what the node does not take in time is kept in the spool with the
// mappings it needs. Used by the senders (this run's batches) and the spool replayer.
// Holds no lock of its own: the client is the caller's, the rest guards itself.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bulk_batch.h"
#include "bulk_client.h"
#include "delivery_accounting.h"
#include "delivery_setup.h"
#include "field_mappings.h"

namespace espcap::exporter {

class BatchDelivery {
public:
    BatchDelivery(IndexMappings &mappings, DeliveryAccounting &accounting, const DeliveryTiming &timing);

    // Sends and accounts; returns the documents to try again later (spool on).
    std::vector<std::size_t> send(BulkClient &client, const BulkBatch &batch, Origin origin);
    // Into the spool, with the template and typed fields of their indices: the run that
    // replays them may not know those.
    void keep_for_later(const BulkBatch &batch, const std::vector<std::size_t> &documents, const std::string &reason);

private:
    bool map_new_fields(BulkClient &client);

    IndexMappings &mappings_;
    DeliveryAccounting &accounting_;
    const DeliveryTiming timing_;
};

}  // namespace espcap::exporter
