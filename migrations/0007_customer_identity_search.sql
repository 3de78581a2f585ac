-- GET /customers searches identity numbers too (api-directory.md §3.5). With this index every branch of the search
-- (search_text, phone_digits, identity number) is a trigram lookup, so the OR of them stays a bitmap OR instead of
-- a scan of the tenant's customers.
CREATE INDEX customers_identity_trgm ON customers USING gin (lower(identity_number) gin_trgm_ops);
