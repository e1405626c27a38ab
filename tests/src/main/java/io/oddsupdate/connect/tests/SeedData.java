package io.oddsupdate.connect.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.oddsupdate.connect.testkit.PluginPath;

/**
 * The games and players of the odds connector's Postgres seed data ({@code V2__seed_data.sql}), read from the source
 * tree so the simulator plays exactly the games the odds sink knows. Nothing is duplicated here: a game added to the
 * seed is played by the next run.
 */
record SeedData(List<Game> games) {

    static final String SEED_SQL = "odds-connector/src/main/resources/io/oddsupdate/connect/odds/db/V2__seed_data.sql";

    record Player(String id, String teamId, String stat, double mean) {
    }

    record Game(String id, String league, String homeTeam, String awayTeam, List<Player> players) {
    }

    private static final Pattern GAME = Pattern.compile("\\('([\\w-]+)',\\s*'(\\w+)',\\s*'([\\w-]+)',\\s*'([\\w-]+)',\\s*'\\d{4}-");
    private static final Pattern PLAYER = Pattern.compile("\\('([\\w-]+)',\\s*'([\\w-]+)',\\s*'(\\w+)',\\s*([\\d.]+),");

    static SeedData load() {
        Path sql = PluginPath.projectRoot().resolve(SEED_SQL);
        String text;
        try {
            text = Files.readString(sql);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the odds connector's seed data " + sql, e);
        }
        String games = section(text, "INSERT INTO odds_game");
        String players = section(text, "INSERT INTO odds_player");
        List<Player> allPlayers = new ArrayList<>();
        for (Matcher m = PLAYER.matcher(players); m.find(); ) {
            allPlayers.add(new Player(m.group(1), m.group(2), m.group(3), Double.parseDouble(m.group(4))));
        }
        List<Game> out = new ArrayList<>();
        for (Matcher m = GAME.matcher(games); m.find(); ) {
            String home = m.group(3);
            String away = m.group(4);
            out.add(new Game(m.group(1), m.group(2), home, away, allPlayers.stream()
                    .filter(p -> p.teamId().equals(home) || p.teamId().equals(away)).toList()));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no games found in " + sql);
        }
        return new SeedData(out);
    }

    List<String> leagues() {
        return games.stream().map(Game::league).distinct().sorted().toList();
    }

    /** The statement starting at {@code head}, up to its terminating semicolon. */
    private static String section(String sql, String head) {
        int start = sql.indexOf(head);
        if (start < 0) {
            throw new IllegalStateException("seed data has no '" + head + "'");
        }
        int end = sql.indexOf(';', start);
        return sql.substring(start, end < 0 ? sql.length() : end);
    }
}
