-- AlterTable
ALTER TABLE "runs" ADD COLUMN "lease_holder" TEXT;
ALTER TABLE "runs" ADD COLUMN "lease_until" REAL;
