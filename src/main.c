/*
 * main.c: the entry point of datalab (placeholder until the app shell lands).
 */
#include <stdio.h>

int main(void)
{
	puts("datalab");
	return 0;
}
