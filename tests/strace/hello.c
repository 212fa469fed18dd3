#include <stdio.h>

static int squares(int n)
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += i * i;
	return s;
}

int main(void)
{
	printf("%d\n", squares(10));
	return 0;
}
