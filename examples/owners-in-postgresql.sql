-- The rows `mailpolicy verify --database` loads to stand in for database maildb.
CREATE TABLE domains (domain text NOT NULL);
CREATE TABLE mailboxes (address text NOT NULL);
CREATE TABLE aliases (address text NOT NULL, destination text NOT NULL);
INSERT INTO domains (domain) VALUES ('example1.com');
INSERT INTO mailboxes (address) VALUES ('alice@example1.com'), ('bob@example1.com');
INSERT INTO aliases (address, destination) VALUES
  ('info@example1.com', 'alice@example1.com'),
  ('info@example1.com', 'bob@example1.com');
CREATE TABLE sender_owners (address text NOT NULL, login text NOT NULL);
INSERT INTO sender_owners (address, login) VALUES
  ('alice@example1.com', 'alice'),
  ('info@example1.com', 'alice'),
  ('info@example1.com', 'bob'),
  ('bob@example1.com', 'bob');
