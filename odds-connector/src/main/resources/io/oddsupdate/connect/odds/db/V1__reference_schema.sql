-- odds-update reference data, schema version 1. Applied by OddsSinkConnector (postgres.migrations=schema or
-- schema_and_seed) or by hand with psql; every version is recorded in odds_schema_version.

CREATE TABLE odds_league (
    league_id          text PRIMARY KEY,
    -- brownian: score margin as Brownian motion with drift (Stern 1994); poisson: remaining scoring as Poisson (Skellam margin)
    sport_family       text NOT NULL CHECK (sport_family IN ('brownian', 'poisson')),
    periods            int NOT NULL CHECK (periods > 0),              -- quarters (nba/nfl) or innings (mlb)
    period_length_s    int NOT NULL CHECK (period_length_s >= 0),     -- seconds per period; 0 for untimed (mlb)
    overtime_length_s  int NOT NULL CHECK (overtime_length_s >= 0),
    margin_sigma       double precision NOT NULL CHECK (margin_sigma > 0),  -- full-game sd of the final margin (brownian)
    total_sigma        double precision NOT NULL CHECK (total_sigma > 0),   -- full-game sd of the final total (brownian)
    home_advantage     double precision NOT NULL,                     -- points (brownian) or runs per game (poisson)
    bookmaker_margin   double precision NOT NULL CHECK (bookmaker_margin >= 0 AND bookmaker_margin < 0.25),
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE odds_team (
    team_id       text PRIMARY KEY,
    league_id     text NOT NULL REFERENCES odds_league,
    name          text NOT NULL,
    rating        double precision NOT NULL,  -- points better than a league-average team on a neutral field
    scoring_rate  double precision NOT NULL CHECK (scoring_rate > 0),  -- points (runs) scored per game vs average
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE odds_game (
    game_id       text PRIMARY KEY,
    league_id     text NOT NULL REFERENCES odds_league,
    home_team_id  text NOT NULL REFERENCES odds_team,
    away_team_id  text NOT NULL REFERENCES odds_team,
    start_ts      timestamptz NOT NULL,
    spread_line   double precision,  -- pregame line for the home side (e.g. -3.5); null: derived from the ratings
    total_line    double precision,  -- pregame total; null: derived from the scoring rates
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (home_team_id <> away_team_id)
);

CREATE TABLE odds_player (
    player_id   text NOT NULL,
    team_id     text NOT NULL REFERENCES odds_team,
    stat        text NOT NULL,              -- e.g. points, passing_yards, strikeouts
    mean        double precision NOT NULL CHECK (mean > 0),  -- baseline per full game
    sd          double precision,           -- null: Poisson (counting stat); else Normal with this full-game sd
    line        double precision NOT NULL,  -- pregame over/under line
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (player_id, stat)
);

CREATE TABLE odds_market (
    league_id  text NOT NULL REFERENCES odds_league,
    market     text NOT NULL CHECK (market IN ('moneyline', 'spread', 'total', 'player_props')),
    enabled    boolean NOT NULL DEFAULT true,
    PRIMARY KEY (league_id, market)
);

CREATE INDEX odds_game_league ON odds_game (league_id);
CREATE INDEX odds_player_team ON odds_player (team_id);
