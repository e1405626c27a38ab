-- Seed reference data for the local pipeline and the tests (postgres.migrations=schema_and_seed). Never for production.

INSERT INTO odds_league (league_id, sport_family, periods, period_length_s, overtime_length_s, margin_sigma, total_sigma, home_advantage, bookmaker_margin) VALUES
    ('nba', 'brownian', 4, 720, 300, 12.0, 18.0, 2.5, 0.045),
    ('nfl', 'brownian', 4, 900, 600, 13.5, 13.0, 1.8, 0.048),
    ('mlb', 'poisson',  9, 0,   0,   1.0,  1.0,  0.15, 0.040);

INSERT INTO odds_team (team_id, league_id, name, rating, scoring_rate) VALUES
    ('nba-bos', 'nba', 'Boston', 6.0, 118.0),
    ('nba-lal', 'nba', 'Los Angeles', 1.5, 115.5),
    ('nba-den', 'nba', 'Denver', 4.0, 116.0),
    ('nba-mia', 'nba', 'Miami', -0.5, 110.0),
    ('nfl-kc',  'nfl', 'Kansas City', 5.5, 25.0),
    ('nfl-sf',  'nfl', 'San Francisco', 4.5, 26.5),
    ('nfl-buf', 'nfl', 'Buffalo', 4.0, 27.0),
    ('nfl-phi', 'nfl', 'Philadelphia', 3.0, 24.5),
    ('mlb-nyy', 'mlb', 'New York', 0.6, 4.9),
    ('mlb-lad', 'mlb', 'Los Angeles', 0.8, 5.2),
    ('mlb-hou', 'mlb', 'Houston', 0.3, 4.6),
    ('mlb-atl', 'mlb', 'Atlanta', 0.5, 4.8);

INSERT INTO odds_game (game_id, league_id, home_team_id, away_team_id, start_ts, spread_line, total_line) VALUES
    ('nba-g1', 'nba', 'nba-bos', 'nba-lal', '2026-01-10T00:30:00Z', -7.5, 233.5),
    ('nba-g2', 'nba', 'nba-den', 'nba-mia', '2026-01-10T02:00:00Z', -6.5, 225.5),
    ('nfl-g1', 'nfl', 'nfl-kc', 'nfl-sf', '2026-01-11T21:25:00Z', -2.5, 51.5),
    ('nfl-g2', 'nfl', 'nfl-buf', 'nfl-phi', '2026-01-11T18:00:00Z', -3.5, 51.5),
    ('mlb-g1', 'mlb', 'mlb-nyy', 'mlb-lad', '2026-06-01T23:05:00Z', -1.5, 9.5),
    ('mlb-g2', 'mlb', 'mlb-hou', 'mlb-atl', '2026-06-02T00:10:00Z', 1.5, 8.5);

INSERT INTO odds_player (player_id, team_id, stat, mean, sd, line) VALUES
    ('nba-p-tatum',   'nba-bos', 'points', 27.0, NULL, 26.5),
    ('nba-p-james',   'nba-lal', 'points', 25.0, NULL, 24.5),
    ('nba-p-jokic',   'nba-den', 'points', 26.0, NULL, 25.5),
    ('nba-p-butler',  'nba-mia', 'points', 20.0, NULL, 19.5),
    ('nfl-p-mahomes', 'nfl-kc',  'passing_yards', 265.0, 70.0, 264.5),
    ('nfl-p-purdy',   'nfl-sf',  'passing_yards', 255.0, 70.0, 254.5),
    ('nfl-p-allen',   'nfl-buf', 'passing_yards', 260.0, 72.0, 259.5),
    ('nfl-p-hurts',   'nfl-phi', 'passing_yards', 230.0, 65.0, 229.5),
    ('mlb-p-cole',    'mlb-nyy', 'strikeouts', 7.0, NULL, 6.5),
    ('mlb-p-yamamoto','mlb-lad', 'strikeouts', 6.5, NULL, 6.5),
    ('mlb-p-valdez',  'mlb-hou', 'strikeouts', 6.0, NULL, 5.5),
    ('mlb-p-fried',   'mlb-atl', 'strikeouts', 6.5, NULL, 6.5);

INSERT INTO odds_market (league_id, market, enabled)
SELECT l.league_id, m.market, true
FROM odds_league l CROSS JOIN (VALUES ('moneyline'), ('spread'), ('total'), ('player_props')) AS m(market);
