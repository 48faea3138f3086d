package io.ringwork.harness.process;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class GluerVerifierTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aNodeHoldsAllOnlyWhenEveryPartitionItOwnsOrReplicatesIsAtItsLogEnd() throws Exception {
        assertTrue(GluerVerifier.holdsAll(json.readTree("""
                {"node":"n1","totals":{"lag":0},"partitions":[{"partition":0,"owner":"n1","replicas":["n1","n2"],"running":true,"lag":0},
                                                  {"partition":1,"owner":"n2","replicas":["n2","n1"],"running":false,"lag":0}]}""")));
        // Its own partitions are done (totals.lag 0) but a replica is still catching up.
        assertFalse(GluerVerifier.holdsAll(json.readTree("""
                {"node":"n1","totals":{"lag":0},"partitions":[{"partition":0,"owner":"n1","replicas":["n1","n2"],"running":true,"lag":0},
                                                  {"partition":1,"owner":"n2","replicas":["n2","n1"],"running":false,"lag":1375}]}""")));
        // Scale-out: a partition outside its replica set it does not hold, whatever its lag says.
        assertTrue(GluerVerifier.holdsAll(json.readTree("""
                {"node":"n1","totals":{"lag":0},"partitions":[{"partition":0,"owner":"n1","replicas":["n1","n2"],"running":true,"lag":0},
                                                  {"partition":1,"owner":"n3","replicas":["n3","n2"],"running":false,"lag":2487}]}""")));
        assertFalse(GluerVerifier.holdsAll(json.readTree("{\"partitions\":[]}")), "no partitions shown: not known to hold anything");
        assertFalse(GluerVerifier.holdsAll(json.readTree("{\"node\":\"n1\",\"partitions\":[{\"partition\":0,\"owner\":\"n1\"}]}")), "no lag shown");
    }
}
