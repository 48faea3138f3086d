package io.ringwork.core.gluer.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The json-patch-tests conformance suite (src/test/resources/json-patch, Apache 2.0, see its
 * README and LICENSE). Every case shows by name; cases the suite marks {@code "disabled": true}
 * show as aborted with the suite's reason, never silently dropped.
 */
class JsonPatchConformanceTest {
    /** File name and the number of cases its README promises, so a truncated file fails loudly. */
    private static final List<SuiteFile> FILES =
            List.of(new SuiteFile("tests.json", 95), new SuiteFile("spec_tests.json", 17));

    private record SuiteFile(String name, int caseCount) {}

    private record Case(String file, int number, JsonNode json) {
        String displayName() {
            String about = json.has("comment") ? json.get("comment").asText()
                    : json.has("error") ? "error: " + json.get("error").asText()
                    : json.get("patch").toString();
            return file + " #" + number + ": " + about;
        }

        boolean disabled() {
            return json.path("disabled").asBoolean(false);
        }
    }

    @TestFactory
    Stream<DynamicNode> everyCase() {
        return FILES.stream().map(file -> DynamicContainer.dynamicContainer(file.name(),
                load(file).stream().map(c -> DynamicTest.dynamicTest(c.displayName(), () -> {
                    Assumptions.assumeFalse(c.disabled(), "disabled in the suite");
                    String failure = check(c);
                    if (failure != null) fail(failure);
                }))));
    }

    @Test
    void everyEnabledCasePasses() {
        List<String> counts = new ArrayList<>();
        for (SuiteFile file : FILES) {
            List<Case> cases = load(file);
            assertThat(cases).as(file.name()).hasSize(file.caseCount());
            int enabled = 0;
            int passed = 0;
            List<String> failures = new ArrayList<>();
            for (Case c : cases) {
                if (c.disabled()) continue;
                enabled++;
                String failure = check(c);
                if (failure == null) {
                    passed++;
                } else {
                    failures.add(c.displayName() + ": " + failure);
                }
            }
            assertThat(failures).as(file.name() + " failures").isEmpty();
            assertThat(passed).as(file.name() + " passed").isEqualTo(enabled).isPositive();
            counts.add(file.name() + " " + passed + "/" + enabled + " passed");
        }
        System.out.println("JSON Patch conformance: " + String.join(", ", counts));
    }

    /** Runs one case; null if it passed, otherwise what went wrong. */
    private static String check(Case c) {
        JsonNode doc = c.json().get("doc");
        JsonNode docBefore = doc.deepCopy();
        JsonNode patch = c.json().get("patch");
        JsonNode expected = c.json().get("expected");
        String failure;
        try {
            JsonNode result = JsonPatch.apply(doc, patch);
            if (expected != null && !JsonEquality.equivalent(result, expected)) {
                failure = "expected " + expected + " but got " + result;
            } else if (c.json().has("error")) {
                failure = "expected an error (" + c.json().get("error").asText() + ") but got " + result;
            } else {
                failure = null;
            }
        } catch (JsonPatchException e) {
            failure = expected != null ? "expected " + expected + " but failed: " + e.getMessage() : null;
        } catch (RuntimeException e) {
            failure = "threw " + e + " instead of JsonPatchException";
        }
        if (failure == null && !doc.equals(docBefore)) failure = "the input document was mutated";
        return failure;
    }

    private static List<Case> load(SuiteFile file) {
        String resource = "/json-patch/" + file.name();
        try (InputStream in = JsonPatchConformanceTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            JsonNode cases = TestJson.MAPPER.readTree(in);
            List<Case> loaded = new ArrayList<>(cases.size());
            for (int i = 0; i < cases.size(); i++) {
                loaded.add(new Case(file.name(), i, cases.get(i)));
            }
            return loaded;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
