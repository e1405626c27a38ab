package io.oddsupdate.connect.deploy;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading generated IAM policies the way IAM evaluates an Allow: an action on a resource some statement covers. */
final class IamStatements {

    private IamStatements() {
    }

    /** True if a statement allows {@code action} on {@code arn} (resource wildcards as IAM reads them). */
    static boolean allows(JsonNode policy, String action, String arn) {
        for (JsonNode s : policy.path("Statement")) {
            if (!"Allow".equals(s.path("Effect").asText()) || !contains(s.path("Action"), action)) {
                continue;
            }
            for (JsonNode r : s.path("Resource")) {
                if (IamPolicies.covers(r.asText(), arn)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The resources of every statement granting {@code action}. */
    static List<String> resources(JsonNode policy, String action) {
        List<String> arns = new ArrayList<>();
        for (JsonNode s : policy.path("Statement")) {
            if (contains(s.path("Action"), action)) {
                s.path("Resource").forEach(r -> arns.add(r.asText()));
            }
        }
        return arns;
    }

    /** The ARN of a topic on one of the environment's MSK clusters. */
    static String topicArn(JsonNode msk, String cluster, String topic) {
        return IamPolicies.kafkaArn(msk, cluster, "topic", topic);
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
