package io.oddsupdate.connect.common.glue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.avro.Schema;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The CI gate for {@code schemas/}: every version must be compatible with the previous one under the mode its
 * registry schema is set to ({@code schemas/<name>/compatibility}), so an incompatible change fails the build here
 * before Glue would refuse to register it.
 */
class SchemaCompatibilityGateTest {

    @Test
    void everyRepoSchemaIsOnTheClassPathWithItsMode() {
        Map<String, List<RepoSchemas.Version>> all = RepoSchemas.all();
        assertEquals(Set.of("raw-event", "odds-update-internal", "odds-update-public"), all.keySet());
        assertEquals("BACKWARD", RepoSchemas.compatibility("raw-event"));
        assertEquals("BACKWARD", RepoSchemas.compatibility("odds-update-internal"));
        assertEquals("FULL", RepoSchemas.compatibility("odds-update-public"));
        all.forEach((name, versions) -> {
            for (int i = 0; i < versions.size(); i++) {
                assertEquals(i + 1, versions.get(i).version(), name + ": versions must be v1, v2, ... without gaps");
            }
        });
    }

    @TestFactory
    List<DynamicTest> everyVersionIsCompatibleWithThePreviousOne() {
        List<DynamicTest> tests = new ArrayList<>();
        RepoSchemas.all().forEach((name, versions) -> {
            String mode = RepoSchemas.compatibility(name);
            for (int i = 1; i < versions.size(); i++) {
                RepoSchemas.Version previous = versions.get(i - 1);
                RepoSchemas.Version next = versions.get(i);
                tests.add(DynamicTest.dynamicTest(next.ref() + " vs " + previous.ref() + " under " + mode, () -> {
                    String problem = Compatibility.check(mode, next.schema(), List.of(previous.schema()));
                    assertEquals(null, problem, next.ref() + " breaks " + mode + " compatibility with " + previous.ref());
                }));
            }
        });
        assertFalse(tests.isEmpty(), "odds-update-internal has v1 and v2: at least one pair must be checked");
        return tests;
    }

    @Test
    void theGateRejectsWhatTheRegistryWouldReject() {
        Schema v1 = RepoSchemas.get("odds-update-public/v1").schema();
        // A new required field without a default: BACKWARD (new reader, old data) and so FULL are broken.
        Schema addedRequired = withField(v1, "{\"name\": \"margin\", \"type\": \"double\"}");
        assertNotEquals(null, Compatibility.check("FULL", addedRequired, List.of(v1)));
        assertNotEquals(null, Compatibility.check("BACKWARD", addedRequired, List.of(v1)));
        assertEquals(null, Compatibility.check("FORWARD", addedRequired, List.of(v1)));
        assertEquals(null, Compatibility.check("NONE", addedRequired, List.of(v1)));
        // An optional field with a default is fine under FULL.
        Schema addedOptional = withField(v1, "{\"name\": \"margin\", \"type\": [\"null\", \"double\"], \"default\": null}");
        assertEquals(null, Compatibility.check("FULL", addedOptional, List.of(v1)));
        // *_ALL checks every earlier version, the plain modes only the latest.
        assertTrue(Compatibility.check("BACKWARD_ALL", addedOptional, List.of(addedRequired, v1)) == null);
    }

    static Schema withField(Schema record, String fieldJson) {
        String json = record.toString();
        String fields = "\"fields\":[";
        int at = json.indexOf(fields) + fields.length();
        return new Schema.Parser().parse(json.substring(0, at) + fieldJson + "," + json.substring(at));
    }
}
