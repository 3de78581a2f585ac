-- Issue #14: the exact conversation totals per (tenant, channel type) are kept in 16 slots instead of one row.
--
-- Every new conversation bumps its total in the transaction that creates it, and the bumped row stays locked until
-- that transaction commits: with one row, a burst of first messages from new customers on one channel type was
-- processed one conversation at a time (bench/RESULTS.md, bench:ingest). A conversation bumps slot `id % 16`;
-- readers already add the rows up (`sum(total)`), so the totals stay exact.
ALTER TABLE conversation_counts ADD COLUMN slot smallint NOT NULL DEFAULT 0;
ALTER TABLE conversation_counts DROP CONSTRAINT conversation_counts_pkey;
ALTER TABLE conversation_counts ADD PRIMARY KEY (tenant_id, channel_type, slot);
