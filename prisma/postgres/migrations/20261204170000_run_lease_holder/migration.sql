-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "lease_holder" TEXT,
ADD COLUMN     "lease_until" DOUBLE PRECISION;
