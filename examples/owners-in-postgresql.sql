-- The rows `mailpolicy verify --database` loads to stand in for database maildb.
CREATE TABLE sender_owners (address text NOT NULL, login text NOT NULL);
INSERT INTO sender_owners (address, login) VALUES
  ('alice@example1.com', 'alice'),
  ('info@example1.com', 'alice'),
  ('info@example1.com', 'bob'),
  ('bob@example1.com', 'bob');
