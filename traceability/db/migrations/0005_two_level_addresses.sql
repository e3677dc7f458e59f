-- Since 1 July 2025 Vietnam's local government has two levels, province and commune, and Hà
-- Giang province is part of Tuyên Quang. The district becomes the optional former district.
ALTER TABLE cooperatives ALTER COLUMN district DROP NOT NULL;
UPDATE cooperatives SET province = 'Tuyên Quang', updated_at = now()
WHERE province IN ('Hà Giang', 'Tỉnh Hà Giang');
