-- CreateTable
CREATE TABLE "flows" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "flow_versions" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "flow_id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "definition" TEXT,
    "source_path" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "flow_versions_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flows" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "runs" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "flow_id" TEXT NOT NULL,
    "version_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "origin" TEXT NOT NULL DEFAULT 'new',
    "state_id" TEXT,
    "inputs" JSONB NOT NULL,
    "output" JSONB,
    "error" JSONB,
    "definition_path" TEXT,
    "started_at" DATETIME NOT NULL,
    "ended_at" DATETIME,
    "duration_ms" REAL,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "llm_calls" INTEGER NOT NULL DEFAULT 0,
    "parent_run_id" TEXT,
    "parent_seq" INTEGER,
    "fork_patch" JSONB,
    "replay_of_id" TEXT,
    CONSTRAINT "runs_flow_id_fkey" FOREIGN KEY ("flow_id") REFERENCES "flows" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "runs_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "flow_versions" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "runs_parent_run_id_fkey" FOREIGN KEY ("parent_run_id") REFERENCES "runs" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "runs_replay_of_id_fkey" FOREIGN KEY ("replay_of_id") REFERENCES "runs" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "run_events" (
    "run_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "method" TEXT,
    "execution" INTEGER,
    "at" DATETIME NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT,
    "start_seq" INTEGER,
    "output" JSONB,
    "label" TEXT,
    "error" JSONB,
    "duration_ms" REAL,
    "state_id" TEXT,
    "state" JSONB,

    PRIMARY KEY ("run_id", "seq"),
    CONSTRAINT "run_events_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "llm_calls" (
    "run_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "method" TEXT NOT NULL,
    "execution" INTEGER NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'llm',
    "hash" TEXT,
    "model" TEXT,
    "request" JSONB,
    "response" JSONB,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "total_tokens" INTEGER NOT NULL DEFAULT 0,
    "latency_ms" REAL,
    "call" JSONB NOT NULL,
    "at" DATETIME NOT NULL,

    PRIMARY KEY ("run_id", "seq"),
    CONSTRAINT "llm_calls_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "pending_feedback" (
    "flow_uuid" TEXT NOT NULL PRIMARY KEY,
    "method" TEXT NOT NULL,
    "context" JSONB NOT NULL,
    "state" JSONB NOT NULL,
    "created_at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "flow_states" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "flow_uuid" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "state" JSONB NOT NULL,
    "at" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "flows_name_key" ON "flows"("name");

-- CreateIndex
CREATE UNIQUE INDEX "flow_versions_flow_id_hash_key" ON "flow_versions"("flow_id", "hash");

-- CreateIndex
CREATE UNIQUE INDEX "flow_versions_flow_id_number_key" ON "flow_versions"("flow_id", "number");

-- CreateIndex
CREATE INDEX "runs_flow_id_started_at_idx" ON "runs"("flow_id", "started_at");

-- CreateIndex
CREATE INDEX "runs_started_at_idx" ON "runs"("started_at");

-- CreateIndex
CREATE INDEX "runs_parent_run_id_idx" ON "runs"("parent_run_id");

-- CreateIndex
CREATE INDEX "runs_state_id_idx" ON "runs"("state_id");

-- CreateIndex
CREATE INDEX "llm_calls_hash_idx" ON "llm_calls"("hash");

-- CreateIndex
CREATE INDEX "flow_states_flow_uuid_id_idx" ON "flow_states"("flow_uuid", "id");
