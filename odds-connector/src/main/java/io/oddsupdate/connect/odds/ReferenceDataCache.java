package io.oddsupdate.connect.odds;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.oddsupdate.connect.odds.ReferenceData.Game;
import io.oddsupdate.connect.odds.ReferenceData.League;
import io.oddsupdate.connect.odds.ReferenceData.Player;
import io.oddsupdate.connect.odds.ReferenceData.SportFamily;
import io.oddsupdate.connect.odds.ReferenceData.Team;

/**
 * The Postgres reference data, loaded whole into memory (a few thousand rows) and reloaded every
 * {@code reference.refresh.interval.ms}, so a change in Postgres is priced in within that interval plus one batch,
 * without a restart. A game the snapshot does not know triggers an early reload (at most once per
 * {@code reference.missing.reload.interval.ms}) before the event is dead-lettered as an unknown game.
 *
 * <p>If Postgres is unreachable, the last snapshot keeps being used; with no snapshot yet, {@link #get} throws
 * {@link RetriableException}, so Connect retries the batch.
 */
final class ReferenceDataCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReferenceDataCache.class);

    /** The migrations shipped with the plugin, in order; their versions are recorded in {@code odds_schema_version}. */
    static final List<String> SCHEMA_MIGRATIONS = List.of("V1__reference_schema.sql");
    static final List<String> SEED_MIGRATIONS = List.of("V2__seed_data.sql");
    private static final long MIGRATION_LOCK = 0x6f646473L; // "odds"

    enum Migrations { NONE, SCHEMA, SCHEMA_AND_SEED }

    private final String url;
    private final Properties props;
    private final Migrations migrations;
    private final long refreshMs;
    private final long missingReloadMs;
    private final Time time;

    private Connection connection;
    private ReferenceData data;
    private long loadedAt;
    /** The batch of records being processed ({@link #newBatch}), and the one during which the snapshot was loaded. */
    private long batch;
    private long snapshotBatch = -1;
    /** When an unknown game last caused a reload; null: never (a sentinel like Long.MIN_VALUE would overflow below). */
    private Long lastMissReload;
    private boolean migrated;
    /** Why the last reload failed; null after a successful one. */
    private Exception lastFailure;

    ReferenceDataCache(String url, String user, String password, String sslMode, Migrations migrations,
                       long refreshMs, long missingReloadMs, Time time) {
        this.url = url;
        this.props = new Properties();
        props.setProperty("user", user);
        if (password != null && !password.isEmpty()) {
            props.setProperty("password", password);
        }
        if (sslMode != null && !sslMode.isEmpty()) {
            props.setProperty("sslmode", sslMode);
        }
        props.setProperty("connectTimeout", "10");
        props.setProperty("socketTimeout", "30");
        props.setProperty("ApplicationName", "odds-update OddsSinkConnector");
        this.migrations = migrations;
        this.refreshMs = refreshMs;
        this.missingReloadMs = missingReloadMs;
        this.time = time;
    }

    /** The current snapshot, reloaded first if it is older than the refresh interval. */
    ReferenceData get() {
        long now = time.milliseconds();
        if (data == null || now - loadedAt >= refreshMs) {
            reload(now);
        }
        return data;
    }

    /** The task received a new batch of records: only a snapshot loaded from now on knows every game they name. */
    void newBatch() {
        batch++;
    }

    /**
     * The snapshot to judge an event whose game the current one lacks: only a snapshot loaded after the event's batch
     * arrived ({@link #newBatch}) can say a game does not exist (it may have been added since the last load), so an
     * older one is reloaded first. Reloads for this reason are at least {@code reference.missing.reload.interval.ms}
     * apart: within it the task waits out the rest rather than judge on an older snapshot. While Postgres cannot be read,
     * this throws {@link RetriableException} rather than let the event be dead-lettered as unknown: Connect retries the
     * batch until Postgres answers.
     */
    ReferenceData reloadForMissing() {
        if (lastFailure == null && snapshotBatch == batch) {
            return data;
        }
        long now = time.milliseconds();
        if (lastMissReload != null && now - lastMissReload < missingReloadMs) {
            time.sleep(missingReloadMs - (now - lastMissReload));
            now = time.milliseconds();
        }
        lastMissReload = now;
        reload(now);
        if (lastFailure != null) {
            throw new RetriableException("OddsSinkConnector: an event names a game the reference data loaded earlier lacks, and "
                    + url + " cannot be read to check: " + lastFailure.getMessage(), lastFailure);
        }
        return data;
    }

    private void reload(long now) {
        try {
            Connection c = connection();
            if (!migrated) {
                migrate(c, migrations);
                migrated = true;
            }
            data = load(c);
            loadedAt = now;
            snapshotBatch = batch;
            lastFailure = null;
        } catch (SQLException | RuntimeException e) {
            closeConnection();
            lastFailure = e;
            if (data == null) {
                throw new RetriableException("OddsSinkConnector: cannot load reference data from " + url + ": " + e.getMessage(), e);
            }
            loadedAt = now; // keep the old snapshot until the next interval rather than hammering Postgres
            log.warn("OddsSinkConnector: reference data reload from {} failed, keeping the snapshot loaded earlier: {}", url, e.toString());
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            // The driver is used directly: DriverManager does not see drivers in a plugin's isolated class loader.
            connection = new org.postgresql.Driver().connect(url, props);
            if (connection == null) {
                throw new ConnectException("OddsSinkConnector: postgres.url is not a PostgreSQL JDBC URL: " + url);
            }
            connection.setAutoCommit(true);
        }
        return connection;
    }

    /** Applies the shipped migrations not yet recorded in {@code odds_schema_version}, under an advisory lock. */
    static void migrate(Connection c, Migrations mode) throws SQLException {
        if (mode == Migrations.NONE) {
            return;
        }
        List<String> files = new ArrayList<>(SCHEMA_MIGRATIONS);
        if (mode == Migrations.SCHEMA_AND_SEED) {
            files.addAll(SEED_MIGRATIONS);
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")");
            st.execute("CREATE TABLE IF NOT EXISTS odds_schema_version (version int PRIMARY KEY, script text NOT NULL, "
                    + "applied_at timestamptz NOT NULL DEFAULT now())");
            Set<Integer> applied = new TreeSet<>();
            try (ResultSet rs = st.executeQuery("SELECT version FROM odds_schema_version")) {
                while (rs.next()) {
                    applied.add(rs.getInt(1));
                }
            }
            for (String file : files) {
                int version = Integer.parseInt(file.substring(1, file.indexOf("__")));
                if (applied.contains(version)) {
                    continue;
                }
                st.execute(resource(file));
                st.execute("INSERT INTO odds_schema_version (version, script) VALUES (" + version + ", '" + file + "')");
                log.info("OddsSinkConnector: applied reference schema migration {}", file);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    static String resource(String file) {
        try (InputStream in = ReferenceDataCache.class.getResourceAsStream("db/" + file)) {
            if (in == null) {
                throw new IllegalStateException("missing migration resource db/" + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ReferenceData load(Connection c) throws SQLException {
        Map<String, League> leagues = new HashMap<>();
        Map<String, Team> teams = new HashMap<>();
        Map<String, Game> games = new HashMap<>();
        Map<String, List<Player>> players = new HashMap<>();
        Map<String, Set<String>> markets = new HashMap<>();
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT league_id, sport_family, periods, period_length_s, overtime_length_s, "
                    + "margin_sigma, total_sigma, home_advantage, bookmaker_margin FROM odds_league")) {
                while (rs.next()) {
                    leagues.put(rs.getString(1), new League(rs.getString(1),
                            SportFamily.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT)), rs.getInt(3), rs.getInt(4),
                            rs.getInt(5), rs.getDouble(6), rs.getDouble(7), rs.getDouble(8), rs.getDouble(9)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT team_id, league_id, rating, scoring_rate FROM odds_team")) {
                while (rs.next()) {
                    teams.put(rs.getString(1), new Team(rs.getString(1), rs.getString(2), rs.getDouble(3), rs.getDouble(4)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT game_id, league_id, home_team_id, away_team_id, spread_line, total_line FROM odds_game")) {
                while (rs.next()) {
                    games.put(rs.getString(1), new Game(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            (Double) rs.getObject(5), (Double) rs.getObject(6)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT player_id, team_id, stat, mean, sd, line FROM odds_player")) {
                while (rs.next()) {
                    players.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(new Player(rs.getString(1),
                            rs.getString(2), rs.getString(3), rs.getDouble(4), (Double) rs.getObject(5), rs.getDouble(6)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT league_id, market FROM odds_market WHERE enabled")) {
                while (rs.next()) {
                    markets.computeIfAbsent(rs.getString(1), k -> new HashSet<>()).add(rs.getString(2));
                }
            }
        }
        return new ReferenceData(Map.copyOf(leagues), Map.copyOf(teams), Map.copyOf(games), Map.copyOf(players), Map.copyOf(markets));
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
