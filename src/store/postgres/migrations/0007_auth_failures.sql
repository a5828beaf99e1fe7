-- Failed authentications per client address and per credential, shared by every node
-- (rate-limiter-flexible's table layout: key, points used in the window, window end in ms).
CREATE TABLE IF NOT EXISTS auth_failures (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
