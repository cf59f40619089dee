-- AlterTable
ALTER TABLE "flows" ADD COLUMN     "deleted_at" TIMESTAMP(3),
ADD COLUMN     "head_version_id" TEXT,
ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0;

-- The server kept each flow's head and deleted flag as flow_states rows under the reserved id
-- 'crewflow.server/flow/<flow id>' (the latest row won), where a run's state could overwrite them.
-- Move them into the columns above and drop those rows.
UPDATE "flows" f SET "head_version_id" = (
  SELECT fs."state"->>'head' FROM "flow_states" fs
  WHERE fs."flow_uuid" = 'crewflow.server/flow/' || f."id" ORDER BY fs."id" DESC LIMIT 1);
UPDATE "flows" f SET "deleted_at" = CURRENT_TIMESTAMP WHERE (
  SELECT fs."state"->>'deleted' FROM "flow_states" fs
  WHERE fs."flow_uuid" = 'crewflow.server/flow/' || f."id" ORDER BY fs."id" DESC LIMIT 1) = 'true';
UPDATE "flows" f SET "head_version_id" = (
  SELECT v."id" FROM "flow_versions" v WHERE v."flow_id" = f."id" ORDER BY v."number" DESC LIMIT 1)
WHERE f."head_version_id" IS NULL OR f."head_version_id" NOT IN (SELECT "id" FROM "flow_versions" WHERE "flow_id" = f."id");
DELETE FROM "flow_states" WHERE "flow_uuid" LIKE 'crewflow.server/flow/%';
